"""Figures: matplotlib drawings of audit and sensitivity results.

Each function draws on a given Axes or a new Figure (never pyplot state) from
a result object's data, so the result objects' ``plot`` methods and the
reports share one drawing. This layer sits below :mod:`auditor.results`; it
imports the inputs (money wording) and the analyses' labels, never results,
reports or interfaces.
"""
