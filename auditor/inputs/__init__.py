"""Inputs: everything that turns a user's files into validated, frozen values.

Scenario TOML, money strings, the ``dist`` vocabulary, the case review
(:mod:`~auditor.inputs.sample`), the judgement readings
(:mod:`~auditor.inputs.judgement`), the flow fields, the packaged scrutiny
evidence, templates and the JSON schema. Like a ``dist``, a judgement reading
is a frozen specification that can draw its own values from a Generator it is
given; nothing here seeds a stream or runs the model. This layer imports only
:mod:`auditor.errors`, the standard library, numpy and (lazily) scipy.
"""
