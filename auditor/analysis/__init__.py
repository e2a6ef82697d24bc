"""Analyses that re-run the model: implied moves, sensitivity and the like.

Modules here call :mod:`auditor.model` (often several times, on common random
numbers) and return plain result data. They never render or write files.
"""
