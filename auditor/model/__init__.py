"""The model: sample designs, judgement readings, flow weights and the engine.

Everything that turns validated inputs into Monte Carlo draws lives here. It
imports from :mod:`auditor.inputs` and never from the analyses, results,
reports or interfaces above it.
"""
