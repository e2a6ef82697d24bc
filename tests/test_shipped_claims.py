"""The sourced figures inside shipped council scenarios, checked against their sources' arithmetic.

Each scenario's notes derive its inputs from published totals; these tests
redo that arithmetic by hand and check the packaged DfE counts the notes quote,
so a later edit that breaks the link between a figure and its source fails here.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name: str) -> dict:
    return tomllib.loads((ROOT / "scenarios" / name).read_text(encoding="utf-8"))


# --- Surrey, Freemantles (cabinet, 26 July 2022) -------------------------------------------
# Published: 72 new places; independent sector "a minimum of £3.8m per year" for them,
# against £1.6m a year in the maintained school.
SURREY_PLACES = 72
SURREY_INDEPENDENT_TOTAL = 3_800_000
SURREY_MAINTAINED_TOTAL = 1_600_000


def test_surrey_claim_is_the_difference_of_the_published_totals():
    d = _load("surrey-2022.toml")
    from auditor.inputs.money import parse_money

    # £3.8m − £1.6m = £2.2m, the claim audited.
    assert parse_money(d["claim"]["low"]) == SURREY_INDEPENDENT_TOTAL - SURREY_MAINTAINED_TOTAL == 2_200_000
    assert d["claim"]["low"] == d["claim"]["high"]


def test_surrey_per_child_costs_are_the_published_totals_over_72_places():
    d = _load("surrey-2022.toml")
    s = d["settings"]
    assert s["independent_special"]["cohort"] == SURREY_PLACES
    assert s["independent_special"]["dfe"] == "none"
    # £3,800,000 / 72 = £52,777.8 (the council's floor); £1,600,000 / 72 = £22,222.2.
    assert s["independent_special"]["cost"]["low"] == round(SURREY_INDEPENDENT_TOTAL / SURREY_PLACES) == 52_778
    assert s["state_special"]["cost"]["value"] == round(SURREY_MAINTAINED_TOTAL / SURREY_PLACES) == 22_222
    moves = {(t["from"], t["to"]): t["count"] for t in d["sample"]["transitions"]}
    assert moves == {("independent_special", "state_special"): SURREY_PLACES}


def test_surrey_context_counts_match_packaged_dfe_data():
    """The notes quote DfE counts for Surrey (936): check each against the packaged files."""
    from auditor.inputs.councils import caseload, new_plans

    jan22 = caseload()[("936", 2022)]
    assert jan22["independent_special"] == 1313      # 1,204 independent + 109 non-maintained
    assert jan22["state_special"] == 2974
    # New plans naming an independent or non-maintained special school: 51 + 3 in 2021, 29 + 3 in 2022.
    assert new_plans()[("936", 2021)]["independent_special"] == 54
    assert new_plans()[("936", 2022)]["independent_special"] == 32
    notes = _load("surrey-2022.toml")["scenario"]["notes"]
    for quoted in ("1,313", "54 in 2021", "32 in 2022"):
        assert quoted in notes


def test_surrey_point_and_break_even_by_hand():
    """Point = 72 × (triangular mean − £22,222); break-even displacement = £2.2m / point."""
    import auditor

    d = _load("surrey-2022.toml")
    c = d["settings"]["independent_special"]["cost"]
    mean_independent = (c["low"] + c["mode"] + c["high"]) / 3          # 61,543.67
    per_move = mean_independent - 22_222                               # 39,321.67
    point = SURREY_PLACES * per_move                                   # 2,831,160
    s = auditor.audit(str(ROOT / "scenarios" / "surrey-2022.toml"), draws=2000, seed=1).summary()
    assert s["point_estimate"] == pytest.approx(point, rel=1e-9)
    assert s["implied"]["realisation_needed_for_low"] == pytest.approx(2_200_000 / point, rel=1e-9)  # 0.777
    # Every draw of the saving lies between the cost range's ends: 72 × (52,778 − 22,222) and
    # 72 × (70,353 − 22,222); the claim's low end sits just under the lowest.
    lo, hi = SURREY_PLACES * (c["low"] - 22_222), SURREY_PLACES * (c["high"] - 22_222)
    assert lo == 2_200_032 and hi == 3_465_432
    assert s["p_meets_low"] > 0.99
    assert s["claim"]["budget"] == "high_needs"


# --- West Berkshire (2020 SEND strategy) ---------------------------------------------------

def test_west_berkshire_claim_is_eight_placements_at_the_published_costs():
    d = _load("west-berkshire-2020.toml")
    s = d["settings"]
    # £434,000 = 6 × £54,000 (SEMH) + 2 × £55,000 (autism, low end of £55k–£63k).
    assert 6 * s["specialist_semh"]["cost"]["value"] + 2 * s["specialist_autism"]["cost"]["low"] == 434_000
    moves = {(t["from"], t["to"]): t["count"] for t in d["sample"]["transitions"]}
    assert moves[("specialist_semh", "mainstream")] == 6
    assert moves[("specialist_semh", "mainstream")] + moves[("specialist_semh", "specialist_semh")] == 36
    assert moves[("specialist_autism", "mainstream")] + moves[("specialist_autism", "specialist_autism")] == 53
