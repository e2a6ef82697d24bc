"""Inputs: everything that turns a user's files into validated, frozen values.

Scenario TOML, money strings, the ``dist`` vocabulary, case lists, the packaged
scrutiny evidence and templates. Nothing here draws random numbers or runs the
model; this layer imports only :mod:`auditor.errors` and the standard library
(plus numpy and scipy for the distribution definitions).
"""
