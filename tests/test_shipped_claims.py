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
    notes = " ".join(_load("surrey-2022.toml")["scenario"]["notes"].split())
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


# --- Hampshire (2024): 64 resourced-provision places ---------------------------------------
# Published: revenue cost £1.378m for the 64 places against an estimated £3.917m in independent
# and non-maintained special schools; £2.539m avoided.
HANTS_PLACES = 64
HANTS_RP_TOTAL = 1_378_000
HANTS_INMSS_TOTAL = 3_917_000


def test_hampshire_claim_and_per_child_costs_follow_the_published_totals():
    from auditor.inputs.money import parse_money

    d = _load("hampshire-2024.toml")
    assert parse_money(d["claim"]["low"]) == HANTS_INMSS_TOTAL - HANTS_RP_TOTAL == 2_539_000
    s = d["settings"]
    assert s["independent_special"]["cohort"] == HANTS_PLACES
    # £3,917,000 / 64 = £61,203.1 (the council's day-placement average, quoted as £61,200 in May 2024);
    # £1,378,000 / 64 = £21,531.25.
    assert s["independent_special"]["cost"]["low"] == round(HANTS_INMSS_TOTAL / HANTS_PLACES) == 61_203
    assert s["resourced_provision"]["cost"]["value"] == round(HANTS_RP_TOTAL / HANTS_PLACES) == 21_531
    moves = {(t["from"], t["to"]): t["count"] for t in d["sample"]["transitions"]}
    assert moves == {("independent_special", "resourced_provision"): HANTS_PLACES}


def test_hampshire_context_counts_match_packaged_dfe_data():
    from auditor.inputs.councils import caseload, new_plans

    assert caseload()[("850", 2024)]["independent_special"] == 1053     # 959 independent + 94 non-maintained
    assert caseload()[("850", 2024)]["resourced_provision"] == 510
    assert new_plans()[("850", 2023)]["independent_special"] == 66
    assert new_plans()[("850", 2024)]["independent_special"] == 86
    notes = " ".join(_load("hampshire-2024.toml")["scenario"]["notes"].split())
    for quoted in ("1,053", "66 in 2023", "86 in 2024"):
        assert quoted in notes


def test_hampshire_point_and_break_even_by_hand():
    """Point = 64 × (uniform mean − £21,531); break-even displacement = £2.539m / point."""
    import auditor

    c = _load("hampshire-2024.toml")["settings"]["independent_special"]["cost"]
    point = HANTS_PLACES * ((c["low"] + c["high"]) / 2 - 21_531)       # 64 × 44,315 = 2,836,160
    assert point == 2_836_160
    s = auditor.audit(str(ROOT / "scenarios" / "hampshire-2024.toml"), draws=2000, seed=1).summary()
    assert s["point_estimate"] == pytest.approx(point, rel=1e-9)
    assert s["implied"]["realisation_needed_for_low"] == pytest.approx(2_539_000 / point, rel=1e-9)  # 0.895


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
