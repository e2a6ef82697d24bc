"""The reality check (`auditor track`): the statistics on synthetic panels, the real data, the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import auditor
from auditor.analysis.implied import implied_assumptions
from auditor.analysis.track import panel_statistics, placebo_p_value, required_path, track
from auditor.cli import main
from auditor.inputs import councils as C
from auditor.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
RAW = ROOT.parent / "shared" / "data" / "ehcp_caseload_by_setting_all_las_2019_2025.csv"
WS = ROOT / "scenarios" / "west-sussex-2023.toml"
WS_COUNCIL = {"scenario.la_code": "938", "scenario.census_year": 2023}


# ---- synthetic panels ------------------------------------------------------------------

def synthetic_panel(rng, effect: float, units: int = 120, years: int = 7, base: int = 3):
    """Counts (units × years × [source, destination, other, total]) under parallel trends.

    Every unit shares a common trend in its source share, has its own random-walk deviation (sd 0.4 points a
    year) and multinomial noise; unit 0 loses ``effect`` of its share from the source to the destination by
    the last year (linearly after ``base``). Returns the counts and the true number of children moved.
    """
    n = rng.integers(3000, 9000, size=units).astype(float)
    n[0] = 6000.0
    t = np.arange(years)
    common = 0.30 - 0.008 * t
    walk = np.cumsum(rng.normal(0, 0.004, size=(units, years)), axis=1)
    level = rng.normal(0, 0.03, size=(units, 1))
    src = common + level + walk
    shift = np.where(t > base, effect * (t - base) / (years - 1 - base), 0.0)
    src[0] -= shift
    dst = 0.40 - (src - (common + level + walk)) * 0 + 0.004 * t + shift * (np.arange(units) == 0)[:, None]
    other = 1 - src - dst
    counts = np.empty((units, years, 4))
    for u in range(units):
        for y in range(years):
            counts[u, y, :3] = rng.multinomial(int(n[u]), [src[u, y], dst[u, y], other[u, y]])
    counts[..., 3] = n[:, None]
    return counts, effect * n[0]


def run_synthetic(rng, effect: float):
    counts, true_moves = synthetic_panel(rng, effect)
    comparison = np.ones(counts.shape[0], dtype=bool)
    comparison[0] = False
    r = panel_statistics(counts, comparison, 3, np.array([True, False, False]))
    n_last = counts[0, -1, -1]
    s, plac = r["treated"][-1], r["placebos"][:, -1]
    lo, hi = n_last * (s - np.quantile(plac, 0.95)), n_last * (s - np.quantile(plac, 0.05))
    p, _ = placebo_p_value(float(s), plac)
    return true_moves, (lo, hi), p, n_last * s


def test_known_effect_is_recovered_within_its_interval() -> None:
    # One panel; the interval is a 90% one, so about one seed in ten misses (coverage is checked below).
    rng = np.random.default_rng(1)
    true_moves, (lo, hi), p, point = run_synthetic(rng, 0.05)   # 5 points of 6,000 plans: 300 children
    assert true_moves == pytest.approx(300)
    assert lo <= true_moves <= hi
    assert abs(point - true_moves) < 150
    assert p < 0.05  # an effect this large stands out among 119 placebo councils


def test_interval_covers_the_true_effect_about_90_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    hits = [lo <= true <= hi for true, (lo, hi), _, _ in (run_synthetic(rng, 0.03) for _ in range(200))]
    # Nominal 90%; with 200 replications the binomial sd is 2.1 points.
    assert 0.84 <= np.mean(hits) <= 0.96


def test_placebo_p_values_are_roughly_uniform_without_an_effect() -> None:
    rng = np.random.default_rng(11)
    ps = np.array([run_synthetic(rng, 0.0)[2] for _ in range(150)])
    # Uniform on (0, 1]: mean 0.5 (sd of the mean 0.024), P(p <= 0.1) = 0.1 (sd 0.024).
    assert 0.42 <= ps.mean() <= 0.58
    assert 0.03 <= np.mean(ps <= 0.1) <= 0.18
    from scipy import stats

    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_placebo_p_value_counts_ties_and_the_council_itself() -> None:
    assert placebo_p_value(5.0, np.array([5.0, 1.0, 2.0, 3.0])) == (0.4, 1)
    assert placebo_p_value(9.0, np.zeros(99)) == (0.01, 1)


def test_required_path() -> None:
    assert required_path(500, 0, basis="stock", horizon=5) == 0
    assert required_path(500, 7, basis="stock", horizon=5) == 500
    # flow, 100 a year, ramp 25/50/100%, stay 2 years: year 4 holds the intakes of years 3 and 4.
    assert required_path(100, 4, basis="flow", horizon=5, ramp=(0.25, 0.5, 1.0), stay=2) == 200


# ---- real data -------------------------------------------------------------------------

def share(code: str, year: int, *cats: str) -> float:
    row = C.counts(code, year)
    return sum(row[c] for c in cats) / row["total"]


def test_west_sussex_and_england_observed_shares() -> None:
    # Published DfE caseload (issue figures): West Sussex state special 27.6% -> 23.1%, mainstream (all,
    # units included) 38.0% -> 40.8%, independent + non-maintained 8.5% -> 9.9%; England state special
    # 28.2% -> 25.0%, mainstream 41.3% -> 43.6%, independent 5.0% -> 5.3%.
    assert round(100 * share("938", 2023, "state_special"), 1) == 27.6
    assert round(100 * share("938", 2025, "state_special"), 1) == 23.1
    assert round(100 * share("938", 2023, "mainstream_all"), 1) == 38.0
    assert round(100 * share("938", 2025, "mainstream_all"), 1) == 40.8
    assert round(100 * share("938", 2023, "independent_special"), 1) == 8.5
    assert round(100 * share("938", 2025, "independent_special"), 1) == 9.9
    assert round(100 * share("england", 2023, "state_special"), 1) == 28.2
    assert round(100 * share("england", 2025, "state_special"), 1) == 25.0
    assert round(100 * share("england", 2023, "mainstream_all"), 1) == 41.3
    assert round(100 * share("england", 2025, "mainstream_all"), 1) == 43.6


def test_shares_match_the_raw_dfe_file() -> None:
    if not RAW.exists():
        pytest.skip("raw DfE file not beside the repository")
    with open(RAW, encoding="utf-8", newline="") as fh:
        rows = {(r["old_la_code"] or "england", r["as_at_january"]): r for r in csv.DictReader(fh)
                if r["geographic_level"] in ("Local authority", "National")}
    for code, year in (("938", "2023"), ("938", "2025"), ("england", "2023"), ("england", "2025")):
        r = rows[(code, year)]
        raw = (int(r["special_la_maintained"]) + int(r["special_academy_free"])) / int(r["ehcplans"])
        assert share(code, int(year), "state_special") == pytest.approx(raw, abs=1e-12)


@pytest.fixture(scope="module")
def ws_track():
    return track(load_scenario(WS, overrides=WS_COUNCIL), draws=4000, seed=5)


def test_west_sussex_track(ws_track) -> None:
    r = ws_track
    s = r.summary()
    assert s["years"] == [2024, 2025] and s["status"] == "ok"
    st = s["settings"]["state_special"]
    assert st["observed_share"]["2023"] == pytest.approx(1986 / 7192)
    assert st["observed_share"]["2025"] == pytest.approx((1998 + 149) / 9301)
    assert st["role"] == "source" and s["settings"]["mainstream"]["role"] == "destination"
    # A stock claim on a five-year horizon: by January 2025 (two years on) two fifths of the children
    # the low end needs (implied-moves calculation) on a straight-line path.
    need = implied_assumptions(load_scenario(WS))["children_to_move_for_low"]
    assert s["required_moves"]["2025"] == pytest.approx(0.4 * need)
    # The excess moves are the fall in the sources' share beyond the comparison, times January 2025's plans.
    excess = st["excess_share"]["2025"] + s["settings"]["independent_special"]["excess_share"]["2025"]
    assert s["excess_moves"]["point"] == pytest.approx(-excess * 9301)
    assert s["excess_moves"]["p05"] <= s["excess_moves"]["median"] <= s["excess_moves"]["p95"]
    assert 0 < s["placebo_p"] <= 1 and 1 <= s["placebo_rank"] <= s["placebo_n"] + 1
    assert s["placebo_n"] > 130
    assert "By January 2025 the claim needed about" in s["sentence"] and "not proof of cause" in s["sentence"]
    assert any("Safety Valve" in n for n in s["notes"])
    assert any("West Berkshire" in n for n in s["notes"])  # its 2023 break drops it from the comparison


def test_comparison_england_excluding_is_england_minus_the_council(ws_track) -> None:
    st = ws_track.summary()["settings"]["state_special"]
    eng, ws = C.counts("england", 2025), C.counts("938", 2025)
    want = (eng["state_special"] - ws["state_special"]) / (eng["total"] - ws["total"])
    assert st["england_excluding_share"]["2025"] == pytest.approx(want)


def test_too_recent_is_said_plainly() -> None:
    s = load_scenario(WS, overrides={"scenario.la_code": "938", "scenario.census_year": 2025})
    r = track(s)
    assert r.status == "too_recent" and r.years == []
    assert "too recent" in r.sentence() and "2025" in r.sentence()


def test_cumbria_is_followed_through_its_split() -> None:
    s = load_scenario(WS, overrides={"scenario.la_code": "909", "scenario.census_year": 2023,
                                     "settings.independent_special.cohort": 500})
    r = track(s, draws=500).summary()
    cumb = r["settings"]["total"]["observed_count"]
    assert cumb["2024"] == C.counts("942", 2024)["total"] + C.counts("943", 2024)["total"]
    assert any("Cumberland" in n for n in r["notes"])


def test_track_is_reproducible(ws_track) -> None:
    again = track(load_scenario(WS, overrides=WS_COUNCIL), draws=4000, seed=5)
    assert json.dumps(again.summary()) == json.dumps(ws_track.summary())


# ---- command line and API ----------------------------------------------------------------

def without_council(tmp_path) -> Path:
    """The shipped West Sussex scenario with its la_code and census_year taken out."""
    text = "\n".join(line for line in WS.read_text(encoding="utf-8").split("\n")
                     if not line.startswith(("la_code = ", "census_year = ")))
    path = tmp_path / "ws-plain.toml"
    path.write_text(text, encoding="utf-8")
    return path


def with_council(tmp_path, year: int = 2023) -> Path:
    text = without_council(tmp_path).read_text(encoding="utf-8").replace(
        'authority = "West Sussex County Council"\n',
        f'authority = "West Sussex County Council"\nla_code = "938"\ncensus_year = {year}\n')
    path = tmp_path / "ws.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_track_writes_the_contract(tmp_path, capsys) -> None:
    out = tmp_path / "t"
    assert main(["track", str(with_council(tmp_path)), "--out", str(out), "--draws", "1000"]) == 0
    assert "By January 2025" in capsys.readouterr().out
    t = json.loads((out / "track.json").read_text(encoding="utf-8"))
    for key in ("council", "census_year", "years", "required_moves", "excess_moves", "placebo_p", "placebo_rank"):
        assert key in t
    assert set(t["excess_moves"]) >= {"median", "p05", "p95"}
    assert t["council"] == {"code": "938", "ons_code": "E10000032", "name": "West Sussex"}
    assert (out / "track.md").exists() and (out / "track.png").exists()


def test_cli_track_until(tmp_path) -> None:
    out = tmp_path / "t"
    assert main(["track", str(with_council(tmp_path)), "--until", "2024", "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "track.json").read_text(encoding="utf-8"))["years"] == [2024]


@pytest.mark.parametrize("argv, message", [
    (["--until", "2030"], "--until: must be a January from the census year 2023 to 2025, got 2030"),
])
def test_cli_track_bad_input(tmp_path, capsys, argv, message) -> None:
    assert main(["track", str(with_council(tmp_path)), *argv, "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err == f"auditor: error: {message}\n"


def test_cli_track_needs_a_council(tmp_path, capsys) -> None:
    plain = without_council(tmp_path)
    assert main(["track", str(plain), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"auditor: error: {plain}: scenario.la_code: needs [scenario] "
                          "la_code and census_year") or "scenario.la_code: needs [scenario] la_code" in err
    assert err.count("\n") == 1


def test_run_summary_carries_track_only_with_data_after_the_claim(tmp_path) -> None:
    s = auditor.audit(with_council(tmp_path), draws=500, seed=1).summary()
    assert s["track"]["status"] == "ok" and s["track"]["census_year"] == 2023
    recent = auditor.audit(with_council(tmp_path, 2025), draws=500, seed=1).summary()
    assert "track" not in recent
    assert "track" not in auditor.audit(without_council(tmp_path), draws=500, seed=1).summary()


def test_report_has_the_track_section(tmp_path) -> None:
    out = tmp_path / "r"
    assert main(["run", str(with_council(tmp_path)), "--draws", "500", "--out", str(out), "--quiet",
                 "--format", "md,html,json"]) == 0
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "## What happened after the claim" in md and "figures/track.png" in md
    assert (out / "figures" / "track.png").exists()
    assert "What happened after the claim" in (out / "report.html").read_text(encoding="utf-8")


def test_public_api() -> None:
    assert auditor.track is track
    assert "track" in auditor.__all__


def test_a_suppressed_january_is_left_out_and_said() -> None:
    # DfE suppressed Hackney's (204) setting columns in January 2024: the track uses 2025 alone and says so.
    s = load_scenario(WS, overrides={"scenario.la_code": "204", "scenario.census_year": 2023})
    r = track(s, draws=300)
    assert r.status == "ok" and r.years == [2025]
    assert r.notes[0].startswith("January 2024: DfE suppressed or does not publish Hackney's figures")
    assert "2024" not in r.summary()["settings"]["state_special"]["observed_share"]

