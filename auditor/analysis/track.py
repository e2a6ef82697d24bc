"""Reality check: what happened to a council's placements after its claim, against a fair comparison.

A savings claim built on a case review says children will move between
settings. DfE's caseload by setting each January (``auditor.inputs.councils``)
shows what happened. Raw before/after shares mislead, because every setting's
share moves nationally too, so the council's change is compared with what
comparison councils did over the same Januaries:

difference in differences on setting shares
    For each setting ``k`` and later January ``t`` the council's change in
    share since the census year ``T0``, less the comparison's change:
    ``e_k(t) = [s_k(t) − s_k(T0)] − [s^cmp_k(t) − s^cmp_k(T0)]``. Three
    comparisons are reported: (a) England excluding the council, (b) councils
    outside the Delivering Better Value programme, pooled (the headline), and
    (c) the council's own pre-claim linear trend.
excess moves
    Children who left the settings the claim empties beyond the comparison:
    ``M(t) = −N(t) Σ_{k ∈ sources} e_k(t)``, with ``N(t)`` the council's EHC
    plans that January.
placebo runs
    The same statistic for every other council with a consistent series, each
    against the non-DBV pool without itself (Abadie, Diamond & Hainmueller
    2010). ``placebo_p`` is the share of councils (the council included) whose
    shift in the claim's direction is at least as large (one-sided permutation
    p-value); ``placebo_rank`` its rank. The 90% range of the excess moves
    inverts the placebo distribution of the non-DBV councils, as Conley & Taber
    (2011) do for a difference in differences with one treated unit:
    ``N(t) (S − q)`` for ``q`` their 5th and 95th percentile shifts.
money
    The excess moves times the scenario's saving per move (its cost draws
    over the claim's own mix of moves), beside the claim's low end.

This is observational: a council's shift relative to others is evidence about
what happened, not proof that the programme caused it (other councils change
policy too, and the mix of new plans changes). See ``docs/methods.md``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import UsageError

__all__ = ["track", "track_for_run", "TrackResult", "required_path", "did_excess", "placebo_p_value", "panel_statistics"]

#: Where DfE lists the Safety Valve agreements (councils with the largest high-needs deficits).
SAFETY_VALVE_SOURCE = "https://www.gov.uk/government/publications/dedicated-schools-grant-very-high-deficit-intervention"

#: Coding breaks: (council code, January) → (categories affected, what happened).
BREAKS = {
    ("869", 2023): (("state_special", "independent_special"),
                    "West Berkshire (869), January 2023: LA maintained special 128 between 290 (2022) and 298 "
                    "(2024) while independent special rose by about as much; a one-year break in the split "
                    "between state and independent special schools"),
}

#: Reorganised councils followed as one footprint: predecessor code → successor codes summed after the change.
FOOTPRINTS = {"909": ("942", "943"), "928": ("940", "941")}


# ---- the statistics (pure, tested on synthetic panels) -------------------------------

def did_excess(share_unit: np.ndarray, share_cmp: np.ndarray, base: int) -> np.ndarray:
    """Difference in differences of shares against a base year.

    Parameters
    ----------
    share_unit, share_cmp : ndarray, shape (years, settings)
        Shares of the unit and of its comparison.
    base : int
        Row index of the base year (the census year).

    Examples
    --------
    >>> u = np.array([[0.30], [0.27]]); c = np.array([[0.28], [0.27]])
    >>> did_excess(u, c, 0).round(3).ravel().tolist()
    [0.0, -0.02]
    """
    return (share_unit - share_unit[base]) - (share_cmp - share_cmp[base])


def placebo_p_value(stat: float, placebos: np.ndarray) -> tuple[float, int]:
    """One-sided permutation p-value and rank of ``stat`` among ``placebos`` (larger = more extreme).

    ``p = (1 + #{placebo ≥ stat}) / (1 + n)``: the council itself is one of the
    possible assignments, so ``p`` is never 0; ``rank = 1 + #{placebo > stat}``.

    Examples
    --------
    >>> placebo_p_value(3.0, np.array([1.0, 2.0, 4.0]))
    (0.5, 2)
    """
    placebos = np.asarray(placebos, dtype=float)
    return float((1 + np.sum(placebos >= stat)) / (1 + placebos.size)), int(1 + np.sum(placebos > stat))


def panel_statistics(counts: np.ndarray, comparison: np.ndarray, base: int, sources: np.ndarray) -> dict:
    """Difference in differences of the first unit and of every other (placebo) unit.

    Parameters
    ----------
    counts : ndarray, shape (units, years, settings + 1)
        Counts by setting and, last, each unit's total; the treated unit first.
    comparison : ndarray of bool, shape (units,)
        Units pooled into the comparison (False for the treated unit). Each
        placebo unit is compared with the pool without itself.
    base : int
        Index of the base year.
    sources : ndarray of bool, shape (settings,)
        The settings the claim empties.

    Returns
    -------
    dict
        ``pool`` (pooled comparison counts), ``excess`` (the treated unit's
        excess shares, years × settings), ``treated`` (its fall in the
        sources' combined share, by year), ``placebos`` (the same for every
        other unit, units − 1 × years) and ``placebo_excess``.

    Examples
    --------
    >>> c = np.array([[[30, 70, 100], [20, 80, 100]], [[30, 70, 100], [30, 70, 100]],
    ...               [[30, 70, 100], [30, 70, 100]]], dtype=float)
    >>> r = panel_statistics(c, np.array([False, True, True]), 0, np.array([True, False]))
    >>> round(float(r["treated"][1]), 3), [abs(x) for x in r["placebos"][:, 1].tolist()]
    (0.1, [0.0, 0.0])
    """
    def shares(x):
        return x[..., :-1] / x[..., -1:]

    pool = counts[comparison].sum(axis=0)
    e = did_excess(shares(counts[0]), shares(pool), base)
    n = counts.shape[0]
    placebo_excess = np.empty((n - 1,) + e.shape)
    for j in range(1, n):
        cmp = pool - counts[j] if comparison[j] else pool
        placebo_excess[j - 1] = did_excess(shares(counts[j]), shares(cmp), base)
    return {"pool": pool, "excess": e, "treated": -e[:, sources].sum(axis=1),
            "placebos": -placebo_excess[:, :, sources].sum(axis=2), "placebo_excess": placebo_excess}


def required_path(total: float, years_after: int, *, basis: str, horizon: int, ramp: tuple[float, ...] = (),
                  stay: float | None = None) -> float:
    """Children the claim needs to have moved ``years_after`` Januaries after the census.

    A stock claim re-places ``total`` children of the census cohort: with a
    ramp, ``ramp_k`` of them by year ``k`` (the last value repeats); without
    one, no timetable being published, a straight line reaching the full
    number at the end of the horizon (less than the model's "every move from
    year 1", so the claim gets the benefit of the doubt). A flow claim moves ``total`` children of
    each year's intake, scaled by the ramp; children moved in the last
    ``stay`` years are still in their new setting.

    Examples
    --------
    >>> required_path(1000, 2, basis="stock", horizon=5)
    400.0
    >>> required_path(1000, 2, basis="stock", horizon=5, ramp=(0.2, 0.5, 1.0))
    500.0
    >>> required_path(100, 3, basis="flow", horizon=5, ramp=(0.5, 1.0))
    250.0
    """
    k = max(int(years_after), 0)
    if basis == "stock":
        if ramp:
            return float(total) * (ramp[min(k, len(ramp)) - 1] if k >= 1 else 0.0)
        return float(total) * min(k / max(horizon, 1), 1.0)
    r = ramp or (1.0,)
    years = range(1, k + 1)
    if stay is not None:
        years = range(max(1, k - int(np.ceil(stay)) + 1), k + 1)
    return float(total) * sum(r[min(y, len(r)) - 1] for y in years)


# ---- data --------------------------------------------------------------------------

def _counts(code: str, year: int) -> dict | None:
    from ..inputs.councils import caseload

    row = caseload().get((code, year))
    if row is None and code in FOOTPRINTS:
        parts = [caseload().get((c, year)) for c in FOOTPRINTS[code]]
        if all(p is not None for p in parts):
            row = {k: (None if any(p[k] is None for p in parts) else sum(p[k] for p in parts))
                   for k in ("total", "mainstream", "resourced_provision", "state_special", "independent_special",
                             "alternative_provision", "post_16", "other", "mainstream_all")}
            row["aggregated"] = True
    return row


def _series(code: str, years: list[int], cats: list[tuple[str, ...]]) -> np.ndarray | None:
    """Counts (years × (settings + total)) for one unit, or None if any cell is missing."""
    out = np.empty((len(years), len(cats) + 1))
    for i, y in enumerate(years):
        row = _counts(code, y)
        if row is None or row["total"] in (None, 0):
            return None
        for j, cs in enumerate(cats):
            vals = [row[c] for c in cs]
            if any(v is None for v in vals):
                return None
            out[i, j] = sum(vals)
        out[i, -1] = row["total"]
    return out


def _england_minus(code: str, years: list[int], cats: list[tuple[str, ...]], own: np.ndarray) -> np.ndarray | None:
    eng = _series("england", years, cats)
    return None if eng is None else eng - own


@dataclass(frozen=True)
class Panel:
    """Counts by unit for the analysis window; the treated council first."""

    years: list[int]
    codes: list[str]
    counts: np.ndarray          # units × years × (settings + total)
    dbv: np.ndarray             # bool per unit
    dropped: dict[str, str]     # code → why it is not in the panel


def _panel(treated: str, years: list[int], cats: list[tuple[str, ...]]) -> Panel:
    from ..inputs.councils import councils, dbv_councils

    successors = {s for ss in FOOTPRINTS.values() for s in ss}
    used = {c for cs in cats for c in cs}
    codes, rows, dropped = [], [], {}
    order = [treated] + sorted({c.old_code for c in councils()} - {treated} - successors)
    for code in order:
        broken = [why for (c, y), (affected, why) in BREAKS.items() if c == code and y in years
                  and used & set(affected)]
        series = _series(code, years, cats)
        if code == treated:
            if series is None:
                raise UsageError(f"DfE's caseload for council {code} is missing or suppressed in one of the "
                                 f"Januaries {years[0]}-{years[-1]}; the track cannot be computed", field="la_code")
        elif series is None:
            dropped[code] = "no consistent series over the window (created, abolished or suppressed)"
            continue
        elif broken:
            dropped[code] = broken[0]
            continue
        codes.append(code)
        rows.append(series)
    dbv = set(dbv_councils())
    # A reorganised footprint is in the programme if any part of it is.
    dbv_flags = np.array([c in dbv or any(s in dbv for s in FOOTPRINTS.get(c, ())) for c in codes])
    return Panel(years, codes, np.stack(rows), dbv_flags, dropped)


# ---- the result ----------------------------------------------------------------------

@dataclass(frozen=True)
class TrackResult:
    """What happened after a claim, with its comparison; build with :func:`track`."""

    scenario: Any
    council: dict
    census_year: int
    until: int
    latest: int
    years: list[int]                      # Januaries after the census used
    status: str                           # "ok" | "too_recent" | "no_data"
    settings: dict = field(default_factory=dict)
    required_moves: dict = field(default_factory=dict)
    excess: dict = field(default_factory=dict)
    comparisons: dict = field(default_factory=dict)
    placebo: dict = field(default_factory=dict)
    money: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    draws: int = 0
    seed: int | None = None

    def summary(self) -> dict:
        """The content of ``track.json`` (and of ``summary.json["track"]``)."""
        last = str(self.years[-1]) if self.years else None
        out = {"council": self.council, "census_year": self.census_year, "until": self.until,
               "latest_data": self.latest, "status": self.status, "years": self.years,
               "required_moves": self.required_moves,
               "excess_moves": self.excess.get(last, {"median": None, "p05": None, "p95": None}),
               "excess_moves_by_year": self.excess,
               "placebo_p": self.placebo.get("p"), "placebo_rank": self.placebo.get("rank"),
               "placebo_n": self.placebo.get("n"), "placebo": self.placebo,
               "comparisons": self.comparisons, "settings": self.settings, "money": self.money,
               "notes": list(self.notes), "draws": self.draws, "seed": self.seed,
               "method": "difference in differences on setting shares against councils outside the DBV "
                         "programme, pooled; placebo runs over every other council (Abadie, Diamond & "
                         "Hainmueller 2010); 90% range from the non-DBV placebo distribution (Conley & Taber "
                         "2011)",
               "sentence": self.sentence()}
        return out

    def sentence(self) -> str:
        """One plain sentence for the report."""
        name = self.council["name"]
        if self.status == "no_data":
            return (f"Nothing can be checked yet: DfE's figures for {name} after January {self.census_year} are "
                    f"suppressed or missing up to January {self.until}.")
        if self.status == "too_recent":
            return (f"The claim is too recent to check: it rests on January {self.census_year}, and DfE's latest "
                    f"January packaged with auditor is {self.latest}, so there are no data after it yet.")
        last = str(self.years[-1])
        need = self.required_moves.get(last)
        ex = self.excess[last]
        any_words = _likelihood_words(self.placebo["p_any_excess"])
        need_words = _likelihood_words(self.placebo["p_required"])
        return (f"By January {last} the claim needed about {_n(need)} children to have moved out of "
                f"{_join(self.placebo['sources'])} settings; relative to councils outside the DBV programme, about "
                f"{_n(ex['median'])} (90% range {_n(ex['p05'])} to {_n(ex['p95'])}) did. It is {any_words} that "
                f"more children left them than in comparable councils, and {need_words} that the {_n(need)} "
                f"needed did. {name}'s shift ranks {self.placebo['rank']} of {self.placebo['n'] + 1} councils "
                f"(placebo p = {self.placebo['p']:.2f}). This is observational evidence, not proof of cause.")


def _n(x: float | None) -> str:
    if x is None:
        return "an unknown number of"
    return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.0f}"


def _join(items: list[str]) -> str:
    items = [i.replace("_", " ") for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _likelihood_words(p: float) -> str:
    """The verdict's IPCC calibrated likelihood words (Mastrandrea et al. 2010) for a chance ``p``."""
    from .verdict import likelihood_words

    return likelihood_words(p)


# ---- the analysis ---------------------------------------------------------------------

def _claim_moves(scenario) -> tuple[np.ndarray, float]:
    """Net change per setting of the claim's moves, per child moved, and the children it needs."""
    from ..model.engine import build_model
    from .implied import implied_assumptions

    model = build_model(scenario)
    flow = scenario.claim.basis == "flow"
    base = np.array([(s.new_per_year or 0.0) if flow else s.cohort for s in scenario.settings], dtype=float)
    f = base[model.from_idx] * model.design.observed_shares
    net = np.zeros(len(scenario.settings))
    np.add.at(net, model.to_idx, f)
    np.subtract.at(net, model.from_idx, f)
    moved = float(f.sum())
    need = implied_assumptions(scenario)["children_to_move_for_low"]
    return (net / moved if moved > 0 else net), (need or 0.0)


def _saving_per_move(scenario, draws: int, seed: int) -> np.ndarray:
    """The claim's saving per child moved, with the scenario's cost draws (the engine's cost columns, at the
    claim's budget boundary)."""
    from ..model.engine import cost_column, build_model

    model = build_model(scenario)
    flow = scenario.claim.basis == "flow"
    base = np.array([(s.new_per_year or 0.0) if flow else s.cohort for s in scenario.settings], dtype=float)
    f = base[model.from_idx] * model.design.observed_shares
    costs = {i: cost_column(model, seed, 0, i, draws) for i in model.costed}
    total = np.zeros(draws)
    for m, (a, b) in enumerate(zip(model.from_idx, model.to_idx)):
        total += f[m] * (costs[int(a)] - costs[int(b)])
    return total / f.sum() if f.sum() > 0 else total


def track(scenario, *, until: int | None = None, draws: int | None = None, seed: int | None = None) -> TrackResult:
    """What happened to the council's placements after the claim, against comparison councils.

    Parameters
    ----------
    scenario : Scenario or path
        Needs ``[scenario] la_code`` and ``census_year``.
    until : int, optional
        The last January to use (default: the latest packaged).
    draws : int, optional
        Cost draws for the money (default 20,000).
    seed : int, optional
        Seed of the cost draws (default: the scenario's ``run.seed``, else 0).

    Returns
    -------
    TrackResult

    Examples
    --------
    >>> from auditor.inputs.scenario import load_scenario
    >>> s = load_scenario("scenarios/west-sussex-2023.toml", overrides={"scenario.la_code": "938",
    ...                                                                  "scenario.census_year": 2023})
    >>> r = track(s, draws=2000)
    >>> r.years, r.status
    ([2024, 2025], 'ok')
    """
    from ..inputs.councils import CASELOAD_YEARS, find_council
    from ..inputs.scenario import Scenario, load_scenario

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    latest = CASELOAD_YEARS[-1]
    draws, seed, until = _check_arguments(scenario, until, draws, seed, latest)
    c = find_council(scenario.la_code)
    council = {"code": c.old_code, "ons_code": c.new_code, "name": c.name}
    T0 = scenario.census_year
    if T0 >= until:
        return TrackResult(scenario, council, T0, until, latest, [], "too_recent",
                           notes=(f"No January after {T0} up to {until}.",), seed=seed)
    keys, cats = _tracked_settings(scenario)
    net_all, need = _claim_moves(scenario)
    net = np.array([net_all[scenario.setting_keys.index(k)] for k in keys])
    sources = [k for k, v in zip(keys, net) if v < -1e-12]
    years, gaps = _window(scenario, c, cats, until)
    after = [y for y in range(T0 + 1, until + 1) if y in years]
    if not after:
        return TrackResult(scenario, council, T0, until, latest, [], "no_data", notes=gaps, seed=seed)
    panel = _panel(c.old_code, years, cats)
    fit = _fit(scenario, c.old_code, panel, years, cats, keys, sources)
    notes = list(gaps) + list(_notes(c.old_code, years, cats, panel))
    required = {str(y): _required(scenario, need, y - T0) for y in after}
    excess, comparisons = _excess_by_year(fit, years, after)
    placebo = _placebo(fit, years, after, sources, required)
    settings = _setting_paths(fit, scenario, keys, cats, sources, net, need, years)
    money = _money(scenario, fit, required, need, years, after, draws, seed)
    return TrackResult(scenario, council, T0, until, latest, after, "ok", settings, required, excess, comparisons,
                       placebo, money, tuple(notes), draws, seed)


def _check_arguments(scenario, until, draws, seed, latest: int) -> tuple[int, int, int]:
    """Refuse a scenario the track cannot follow; return (draws, seed, until) with defaults filled in."""
    if scenario.la_code is None or scenario.census_year is None:
        raise UsageError("needs [scenario] la_code and census_year (the council's DfE code and the January of "
                         "the caseload its cohorts come from)", path=scenario.path, field="scenario.la_code")
    if until is not None and not (scenario.census_year <= until <= latest):
        raise UsageError(f"must be a January from the census year {scenario.census_year} to {latest}, got {until}",
                         field="--until")
    draws = 20_000 if draws is None else draws
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= 10_000_000:
        raise UsageError(f"must be a whole number from 1 to 10,000,000, got {draws!r}", field="draws")
    seed = scenario.run.seed if seed is None and scenario.run.seed is not None else (seed or 0)
    return draws, seed, latest if until is None else until


def _tracked_settings(scenario) -> tuple[list[str], list[tuple[str, ...]]]:
    """The settings with a DfE category to follow (at least two), and their categories."""
    from ..inputs.councils import setting_categories

    keyed = [(s, setting_categories(s)) for s in scenario.settings]
    keyed = [(s, cats) for s, cats in keyed if cats]
    if len(keyed) < 2:
        off = [st.key for st in scenario.settings if not setting_categories(st)]
        raise UsageError(f"fewer than two settings have a DfE category to follow ({', '.join(off)} "
                         f"{'has' if len(off) == 1 else 'have'} none); give each setting a dfe = \"...\" category "
                         f"to track it", path=scenario.path, field="settings")
    return [s.key for s, _ in keyed], [cats for _, cats in keyed]


def _window(scenario, c, cats, until: int) -> tuple[list[int], tuple[str, ...]]:
    """The Januaries to use, from the council's first (at most 2019) to ``until``, and notes on those left out."""
    from ..inputs.councils import years_for

    T0 = scenario.census_year
    own_years = [y for y in years_for(c.old_code) + ([] if c.old_code not in FOOTPRINTS else
                                                     years_for(FOOTPRINTS[c.old_code][0])) if y <= until]
    first = min(own_years)
    # Januaries where DfE suppressed or lacks the council's figures are left out, and said so.
    used = {x for cs in cats for x in cs}
    broken = {y: why for (code, y), (affected, why) in BREAKS.items() if code == c.old_code and used & set(affected)}
    years = [y for y in range(first, until + 1) if _series(c.old_code, [y], cats) is not None and y not in broken]
    missing = [y for y in range(first, until + 1) if y not in years and y not in broken]
    if T0 not in years:
        raise UsageError(f"DfE's caseload for {c.name} in January {T0} is suppressed, broken or incomplete in a setting "
                         f"the scenario uses; the track cannot start from it", path=scenario.path,
                         field="scenario.census_year")
    gaps = tuple(f"January {y}: DfE suppressed or does not publish {c.name}'s figures for a setting used here; "
                 f"that January is left out." for y in missing) + tuple(
        f"{why}; that January is left out of {c.name}'s own series." for y, why in sorted(broken.items())
        if first <= y <= until)
    return years, gaps


def _shares(counts: np.ndarray) -> np.ndarray:
    """Each setting's share of the EHC plans (the last column is the total)."""
    return counts[..., :-1] / counts[..., -1:]


@dataclass(frozen=True)
class _Fit:
    """The council's series and its three comparisons (see the module docstring)."""

    own: np.ndarray          # the council's counts per January and setting
    own_share: np.ndarray
    N: np.ndarray            # the council's EHC plans per January
    src: np.ndarray          # which settings the claim empties
    b: int                   # index of the census January
    nondbv: np.ndarray       # which panel rows are councils outside DBV (the council itself excluded)
    pool: np.ndarray         # the non-DBV pool's counts
    e_b: np.ndarray          # excess against the non-DBV pool (the headline)
    e_a: np.ndarray | None   # against England excluding the council
    e_c: np.ndarray | None   # against the council's own pre-claim trend
    eng: np.ndarray | None
    treated: np.ndarray      # the council's statistic per January
    placebos: np.ndarray     # every other council's statistic per January
    per_setting: np.ndarray  # every other council's excess per January and setting

    def moves(self, e: np.ndarray, i: int) -> float:
        """Excess moves out of the source settings in January ``i``: ``−N Σ_sources e``."""
        return float(-(e[i, self.src]).sum() * self.N[i])

    @functools.cached_property
    def placebo_nondbv(self) -> np.ndarray:
        """The non-DBV councils' statistics (computed once; the dataclass is frozen, the cache is not a field)."""
        return self.placebos[self.nondbv[1:]]


def _fit(scenario, code: str, panel: Panel, years: list[int], cats, keys, sources) -> _Fit:
    T0 = scenario.census_year
    b = years.index(T0)
    own, own_share, N = panel.counts[0], _shares(panel.counts[0]), panel.counts[0, :, -1]
    src = np.array([k in sources for k in keys])
    # (b) councils outside DBV, pooled, without the council; each placebo without itself.
    nondbv = ~panel.dbv
    nondbv[0] = False
    stat = panel_statistics(panel.counts, nondbv, b, src)
    # (a) England excluding the council.
    eng = _england_minus(code, years, cats, own)
    e_a = did_excess(own_share, _shares(eng), b) if eng is not None else None
    # (c) the council's own pre-claim trend (needs three Januaries up to the census).
    pre = np.array(years[: b + 1])
    e_c = None
    if pre.size >= 3:
        slope = np.polyfit(pre - T0, own_share[: b + 1], 1)[0]
        e_c = (own_share - own_share[b]) - np.outer(np.array(years) - T0, slope)
    return _Fit(own, own_share, N, src, b, nondbv, stat["pool"], stat["excess"], e_a, e_c, eng, stat["treated"],
                stat["placebos"], stat["placebo_excess"])


def _required(scenario, need: float, years_after: int) -> float:
    return required_path(need, years_after, basis=scenario.claim.basis, horizon=scenario.claim.horizon_years,
                         ramp=scenario.ramp, stay=scenario.length_of_stay)


def _excess_by_year(fit: _Fit, years: list[int], after: list[int]) -> tuple[dict, dict]:
    """Excess moves per later January (placebo-inverted range) and under each comparison."""
    excess, comparisons = {}, {"non_dbv": {}, "england_excluding": {}, "own_trend": {}}
    for y in after:
        i = years.index(y)
        lo, mid, hi = np.quantile(fit.placebo_nondbv[:, i], [0.05, 0.5, 0.95])
        t, n = fit.treated[i], fit.N[i]
        excess[str(y)] = {"median": float(n * (t - mid)), "p05": float(n * (t - hi)), "p95": float(n * (t - lo)),
                          "point": fit.moves(fit.e_b, i)}
        comparisons["non_dbv"][str(y)] = fit.moves(fit.e_b, i)
        comparisons["england_excluding"][str(y)] = None if fit.e_a is None else fit.moves(fit.e_a, i)
        comparisons["own_trend"][str(y)] = None if fit.e_c is None else fit.moves(fit.e_c, i)
    return excess, comparisons


def _placebo(fit: _Fit, years: list[int], after: list[int], sources: list[str], required: dict) -> dict:
    """The placebo test at the last January, the gap before the claim, and the chances of any or enough excess."""
    last = years.index(after[-1])
    p, rank = placebo_p_value(float(fit.treated[last]), fit.placebos[:, last])
    pre_gap = {str(y): fit.moves(fit.e_b, years.index(y)) for y in years[:fit.b]}
    # Chances over the placebo inversion (exact: each non-DBV council's shift is one equally likely noise draw).
    effect = fit.N[last] * (fit.treated[last] - fit.placebo_nondbv[:, last])
    return {"p": p, "rank": rank, "n": int(fit.placebos.shape[0]), "n_non_dbv": int(fit.placebo_nondbv.shape[0]),
            "year": after[-1], "sources": sources, "statistic": "percentage-point fall in the combined share "
            "of the settings the claim empties, relative to the non-DBV pool", "treated_shift": float(fit.treated[last]),
            "pre_claim_gap_moves": pre_gap, "p_any_excess": float(np.mean(effect > 0)),
            "p_required": float(np.mean(effect >= required[str(after[-1])]))}


def _setting_paths(fit: _Fit, scenario, keys, cats, sources, net, need: float, years: list[int]) -> dict:
    """Per setting: observed shares, the comparison path with its placebo band, and the claim's path."""
    T0, b = scenario.census_year, fit.b
    pool_share = _shares(fit.pool)
    eng_share = None if fit.eng is None else _shares(fit.eng)
    placebo_excess = fit.per_setting[fit.nondbv[1:]]
    settings = {}
    for j, k in enumerate(keys):
        cf = fit.own_share[b, j] + (pool_share[:, j] - pool_share[b, j])
        band_lo = cf + np.quantile(placebo_excess[:, :, j], 0.05, axis=0)
        band_hi = cf + np.quantile(placebo_excess[:, :, j], 0.95, axis=0)
        need_share = np.array([net[j] * _required(scenario, need, y - T0) for y in years]) / fit.N
        settings[k] = {"dfe": list(cats[j]), "role": "source" if k in sources else
                       ("destination" if net[j] > 1e-12 else "unchanged"),
                       "observed_count": {str(y): int(fit.own[i, j]) for i, y in enumerate(years)},
                       "observed_share": {str(y): float(fit.own_share[i, j]) for i, y in enumerate(years)},
                       "comparison_share": {str(y): float(cf[i]) for i, y in enumerate(years)},
                       "band_p05": {str(y): float(band_lo[i]) for i, y in enumerate(years)},
                       "band_p95": {str(y): float(band_hi[i]) for i, y in enumerate(years)},
                       "claim_path_share": {str(y): float(cf[i] + need_share[i]) for i, y in enumerate(years)
                                            if y >= T0},
                       "excess_share": {str(y): float(fit.e_b[i, j]) for i, y in enumerate(years)},
                       "england_excluding_share": None if eng_share is None else
                       {str(y): float(eng_share[i, j]) for i, y in enumerate(years)}}
    settings["total"] = {"observed_count": {str(y): int(fit.N[i]) for i, y in enumerate(years)}}
    return settings


def _money(scenario, fit: _Fit, required: dict, need: float, years: list[int], after: list[int], draws: int,
           seed: int) -> dict:
    """Excess moves (drawn from the non-DBV placebo inversion) × saving per move (cost draws)."""
    last = years.index(after[-1])
    per_move = _saving_per_move(scenario, draws, seed)
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(0, 99))))
    pick = rng.integers(0, fit.placebo_nondbv.shape[0], size=draws)
    saved = fit.N[last] * (fit.treated[last] - fit.placebo_nondbv[pick, last]) * per_move
    claim = scenario.claim
    annual_low = claim.low / (claim.horizon_years if claim.per == "total" else 1)
    return {"year": after[-1], "saving_per_move": _q(per_move), "savings": _q(saved),
            "claim_low_per_year": annual_low,
            "claim_needed_by_then": annual_low * (required[str(after[-1])] / need if need else 0.0),
            "per": "year", "note": "annual saving of the excess moves at the scenario's costs, valued as the "
                                   "claim's own mix of moves"}


def _q(x: np.ndarray) -> dict:
    p05, med, p95 = np.quantile(x, [0.05, 0.5, 0.95])
    return {"median": float(med), "p05": float(p05), "p95": float(p95)}


def _notes(code: str, years: list[int], cats, panel: Panel) -> list[str]:
    """Data gaps and coding breaks that touch this analysis, stated rather than smoothed."""
    from ..inputs.councils import caseload, reorganisation_note

    notes = []
    used = {c for cs in cats for c in cs}
    if "resourced_provision" in used or "mainstream" in used:
        switched = [y for y in years if (r := caseload().get((code, y))) and r.get("resourced_provision") is not None]
        notes.append("Resourced provision and SEN units are counted together: councils switch the same places "
                     "between the two codes from year to year, so only their sum is a consistent series.")
        del switched
    if code in FOOTPRINTS:
        notes.append(f"{reorganisation_note(code)}: later Januaries add the successors' counts to follow the "
                     f"same area.")
    elif reorganisation_note(code):
        notes.append(f"{reorganisation_note(code)}; the series starts with the new council.")
    for (c, y), (affected, why) in BREAKS.items():
        if c != code and y in years and used & set(affected):
            notes.append(f"{why}. It is left out of the comparison.")
    if any(y >= 2023 for y in years) and any(y < 2023 for y in years):
        notes.append("From January 2023 DfE counts placements per child and adds 'placement unknown'; shares "
                     "are of all EHC plans, so a rise in unknown placements lowers every setting's share.")
    notes.append(f"{len(panel.dropped)} councils without a consistent series over {years[0]}-{years[-1]} are "
                 f"left out of the comparison ({', '.join(sorted(panel.dropped))}).")
    notes.append("Safety Valve councils are not excluded from the comparison: DfE publishes the agreements "
                 "(38 by March 2024) in 'Dedicated schools grant: very high deficit intervention', "
                 f"{SAFETY_VALVE_SOURCE}, but auditor does not package that list yet.")
    return notes


def track_for_run(scenario, seed: int) -> dict | None:
    """``summary.json``'s ``track`` block for ``auditor run``: None without a council or data after the claim.

    A council whose series cannot be compared (e.g. suppressed cells) gives
    ``{"status": "unavailable", "reason": ...}``: the audit itself still stands.
    """
    from ..errors import AuditorError
    from ..inputs.councils import CASELOAD_YEARS

    if scenario.la_code is None or scenario.census_year is None or scenario.census_year >= CASELOAD_YEARS[-1]:
        return None
    try:
        return track(scenario, seed=seed).summary()
    except AuditorError as exc:
        return {"status": "unavailable", "reason": exc.one_line()}
