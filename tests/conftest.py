"""Shared test set-up: Hypothesis profiles, a headless matplotlib, scenario fixtures.

Hypothesis runs derandomised by default so that CI and local runs see the
same examples; set ``AUDITOR_HYPOTHESIS_PROFILE=explore`` to search afresh.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

from strategies import to_toml

# Headless backend before anything can import pyplot (auditor itself never does).
matplotlib.use("Agg")

settings.register_profile(
    "deterministic", derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "explore", derandomize=False, deadline=None, print_blob=True, max_examples=500,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("AUDITOR_HYPOTHESIS_PROFILE", "deterministic"))

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def west_sussex() -> Path:
    """The shipped West Sussex scenario file."""
    return ROOT / "scenarios" / "west-sussex-2023.toml"


@pytest.fixture
def west_sussex_cases() -> Path:
    """The West Sussex scenario with one assumed 28-case split written out case by case."""
    return ROOT / "scenarios" / "west-sussex-2023-cases.toml"


@pytest.fixture
def write_scenario(tmp_path: Path) -> Callable[..., Path]:
    """Write a scenario into ``tmp_path`` from a dict (TOML-encoded) or from text.

    ``files`` adds side files (e.g. a cases CSV) beside it.
    """
    counter = {"n": 0}

    def write(doc: dict | str, *, name: str | None = None, files: dict[str, str | bytes] | None = None) -> Path:
        counter["n"] += 1
        path = tmp_path / (name or f"scenario{counter['n']}.toml")
        text = doc if isinstance(doc, str) else to_toml(doc)
        path.write_text(text, encoding="utf-8")
        for fname, content in (files or {}).items():
            target = tmp_path / fname
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        return path

    return write
