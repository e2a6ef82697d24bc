"""The model: the review's resampling design, flow weights and the engine.

Everything that turns validated inputs into Monte Carlo draws lives here:
:mod:`~auditor.model.sample` (the design arrays and share draws),
:mod:`~auditor.model.flow` (the flow basis's weights) and
:mod:`~auditor.model.engine` (seeded streams, chunks and the savings formula).
It imports from :mod:`auditor.inputs` and never from the analyses, results,
reports or interfaces above it.
"""
