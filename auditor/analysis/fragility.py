"""How fragile the claim is: the judgements and cases that carry the point estimate.

Both analyses work on the review's counts, through the engine's one savings
formula (:func:`auditor.model.engine.savings`), with no random draws:

``fragility``
    The fewest down-shift judgements that, changed to "already ideal", take
    the published-style point estimate below the claim's low (or high) end.
    For a ``reported`` sample, one answer per split of the cases that fits
    what was published, summarised by the middle split and the range.
``case_influence``
    The change in the point estimate from dropping each case (each cell for
    count data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from ..inputs.scenario import Scenario
from ..model import engine

__all__ = ["Fragility", "fragility", "case_influence", "point_from_counts", "composition_tables", "MAX_SPLITS"]


def _count_table(scenario: Scenario) -> dict[tuple[int, int], float]:
    index = {k: i for i, k in enumerate(scenario.setting_keys)}
    table: dict[tuple[int, int], float] = {}
    for cur, ideal, k in scenario.sample.counts:
        key = (index[cur], index[ideal])
        table[key] = table.get(key, 0) + k
    return table


def _row_totals(table: Mapping[tuple[int, int], float]) -> dict[int, float]:
    rows: dict[int, float] = {}
    for (s, _), k in table.items():
        rows[s] = rows.get(s, 0) + k
    return rows


def point_from_counts(model: engine.Model, table: Mapping[tuple[int, int], float]) -> float:
    """The published-style point estimate for a table ``{(from, to): count}``.

    Each judged move's share is ``k[s→t] / n_s`` (a row with no cases
    contributes nothing), put through :func:`auditor.model.engine.savings` with
    θ = 1, mean costs and realisation, as :func:`~auditor.model.engine.point_estimate`.
    The table's move cells are the design's moves (fewer cases, never new moves).
    """
    rows = _row_totals(table)
    shares = [table.get((f, t), 0) / rows[f] if rows.get(f, 0) > 0 else 0.0 for f, t in model.design.moves]
    return engine.savings(model, np.array(shares, dtype=float))


def _counts_available(scenario: Scenario) -> bool:
    return scenario.sample.form in ("cases", "transitions") and bool(scenario.sample.counts)


MAX_SPLITS = 20_000


def composition_tables(model: engine.Model) -> list[dict[tuple[int, int], float]]:
    """Count tables ``{(from, to): cases}`` for every split a ``reported`` sample allows.

    Each consistent split of the reviewed cases (see
    :func:`auditor.inputs.sample.enumerate_compositions`) is one possible review. When
    there are more than :data:`MAX_SPLITS`, an evenly spaced subset is used.
    """
    d = model.design
    comp = d.compositions
    if comp is None:
        return [_count_table(model.scenario)]
    rows = range(comp.shape[0]) if comp.shape[0] <= MAX_SPLITS else np.linspace(
        0, comp.shape[0] - 1, MAX_SPLITS).round().astype(int)
    row_from = [d.moves[list(d.row_of_move).index(r)][0] for r in range(len(d.row_starts))]
    tables = []
    for i in rows:
        table = {(f, f): float(comp[i, start]) for f, start in zip(row_from, d.row_starts)}
        for (f, t), col in zip(d.moves, d.move_cols):
            table[(f, t)] = table.get((f, t), 0.0) + float(comp[i, col])
        tables.append(table)
    return tables


def _typical_split(model: engine.Model) -> tuple[dict[tuple[int, int], float], list[tuple]]:
    """For a reported sample: each split's fragility, and the split with the median count.

    Returns the median split's table and, per split, ``(k_low, k_high, down, point)``.
    """
    low, high = model.scenario.claim.low, model.scenario.claim.high
    tables = composition_tables(model)
    per_split = []
    for table in tables:
        point = point_from_counts(model, table)
        units = _down_units(model, table)
        per_split.append((_fewest(point, low, units)[0], _fewest(point, high, units)[0], len(units), point))
    # None (no reversal is enough) sorts after every number.
    order = sorted(range(len(tables)), key=lambda i: (math.inf if per_split[i][0] is None else per_split[i][0],
                                                      per_split[i][3]))
    return tables[order[(len(order) - 1) // 2]], per_split


# ---- 2. fragility -------------------------------------------------------------------

@dataclass(frozen=True)
class Fragility:
    """How many down-shift judgements must be reversed to bring the point below a bound.

    Attributes
    ----------
    judgements_to_reverse_for_low, judgements_to_reverse_for_high : int or None
        0 when the point is already below the bound; None when reversing every
        down-shift judgement still leaves it at or above.
    down_shifts : int
        Down-shift judgements in the sample (moves to a cheaper setting).
    n_cases : int
    reversed_for_low, reversed_for_high : tuple of str
        Which judgements (case ids, or ``from->to`` for count data), largest
        effect first.
    point : float
        The point estimate before any reversal.
    """

    judgements_to_reverse_for_low: int | None
    judgements_to_reverse_for_high: int | None
    down_shifts: int
    n_cases: int
    reversed_for_low: tuple[str, ...] = ()
    reversed_for_high: tuple[str, ...] = ()
    point: float = 0.0
    splits: int = 1
    range_for_low: tuple[int | None, int | None] | None = None
    range_for_high: tuple[int | None, int | None] | None = None
    flips_for_low: int | None = None
    flips_for_high: int | None = None
    flippable: int = 0

    def to_dict(self) -> dict[str, Any]:
        out = {"judgements_to_reverse_for_low": self.judgements_to_reverse_for_low,
               "judgements_to_reverse_for_high": self.judgements_to_reverse_for_high,
               "down_shift_judgements": self.down_shifts, "n_cases": self.n_cases,
               "reversed_for_low": list(self.reversed_for_low),
               "reversed_for_high": list(self.reversed_for_high),
               "judgements_to_flip_for_low": self.flips_for_low,
               "judgements_to_flip_for_high": self.flips_for_high,
               "flippable_judgements": self.flippable}
        if self.splits > 1:
            out.update({"splits_considered": self.splits,
                        "judgements_to_reverse_for_low_range": list(self.range_for_low),
                        "judgements_to_reverse_for_high_range": list(self.range_for_high)})
        return out

    def sentence(self, low: float, high: float | None = None) -> str:
        """Plain sentences about the claim's low end, both ways: reversals that break it, flips that reach it.

        "The other way" (:func:`_up_units`) is a reversal that raises the
        published-style estimate; the second sentence says how many of them
        reach the low end (when the estimate is below it) or the high end
        (when it is already at or above the low end), so a count of reversals
        is read against the margin on the other side.
        """
        first = self._down_sentence(low)
        other = self._other_way_sentence(low, high)
        return first if other is None else f"{first} {other}"

    def _other_way_sentence(self, low: float, high: float | None) -> str | None:
        from ..inputs.money import format_money

        if self.flips_for_low is None and self.flips_for_high is None and not self.flippable:
            return None
        below = self.point < low
        k = self.flips_for_low if below or high is None or high == low else self.flips_for_high
        end = (f"the claim's low end of {format_money(low)}" if below or high is None or high == low
               else f"the claim's high end of {format_money(high)}")
        if k is None:
            return (f"The other way, even reversing all {self.flippable} judgements that could raise it leaves "
                    f"the estimate below {end}.")
        if k == 0:
            return None
        many = f"{k} reversals that raise" if k != 1 else "1 reversal that raises"
        return (f"The other way, {many} the estimate would bring it to {end} (an up-shift judged \"already "
                f"ideal\", or an \"already ideal\" case moved where the panel sent others from its setting).")

    def _down_sentence(self, low: float) -> str:
        from ..inputs.money import format_money

        k, n = self.judgements_to_reverse_for_low, self.n_cases
        lo = format_money(low)
        if k is None:
            return (f"Even if all {self.down_shifts} of the {n} judgements that move a child to a cheaper "
                    f"setting were reversed, the published method's estimate would stay at or above {lo}.")
        if k == 0:
            return f"The published method's estimate is already below the claim's low end of {lo}."
        if self.splits > 1 and self.range_for_low is not None:
            a, b = self.range_for_low
            head = (f"The split of the {n} reviewed cases between settings was not published. Across the "
                    f"{self.splits:,} splits that fit what was reported, ")
            most = "every judgement" if b is None else f"{b} of the panel's judgements"
            if a == 0:
                return (head + f"the published method's estimate is already below the claim's low end of {lo} for "
                        f"some, and reversing at most {most} (to \"already ideal\") takes it below for the rest; "
                        f"{k} for the middle split.")
            return (head + f"reversing {a} to {most} (to \"already ideal\") brings the published method's "
                    f"estimate below the claim's low end of {lo}; {k} for the middle split.")
        return (f"Reverse {k} of the {n} panel judgements (to \"already ideal\") and the "
                f"published method's estimate falls below the claim's low end of {lo}.")


def _down_units(model: engine.Model, table: Mapping[tuple[int, int], float] | None = None
                ) -> list[tuple[str, float]]:
    """Each down-shift judgement in the sample with the point it carries.

    Reversing one case in row s from t to "stay" lowers the point by the
    savings of a share of ``1 / n_s`` on that move (``N_s · (c̄_s − c̄_t) / n_s · r̄``): row totals do not change, so the effects of
    reversals are additive and independent, and taking the largest first is exact.
    """
    s = model.scenario
    keys = s.setting_keys
    index = {k: i for i, k in enumerate(keys)}
    by_case = table is None and s.sample.form == "cases"
    table = _count_table(s) if table is None else table
    rows = _row_totals(table)
    c = model.cost_mean
    move = {m: j for j, m in enumerate(model.design.moves)}

    def effect(a: int, b: int) -> float:
        one = np.zeros(len(move))
        one[move[(a, b)]] = 1.0 / rows[a]
        return engine.savings(model, one)

    units: list[tuple[str, float]] = []
    if by_case:
        for case in s.sample.cases:
            a, b = index[case.current], index[case.ideal]
            if a != b and c[a] > c[b]:
                units.append((case.case_id, effect(a, b)))
    else:
        for (a, b), k in table.items():
            if a != b and k > 0 and c[a] > c[b]:
                units += [(f"{keys[a]}->{keys[b]}", effect(a, b))] * int(k)
    return units


def _up_units(model: engine.Model, table: Mapping[tuple[int, int], float] | None = None
              ) -> list[tuple[str, float]]:
    """Each judgement that could be reversed *the other way*, with the amount it adds to the point.

    Two kinds: an up-shift (a move to a dearer setting) changed to "already
    ideal" adds ``N_s · (c̄_t − c̄_s) / n_s · r̄``; an "already ideal" case in a
    setting from which the panel moved others to a cheaper setting, changed to
    the cheapest such destination, adds ``N_s · (c̄_s − c̄_t) / n_s · r̄``. No
    destination the panel never chose is invented. Row totals do not change,
    so, as for :func:`_down_units`, the effects add up and largest-first is exact.
    """
    s = model.scenario
    keys = s.setting_keys
    table = _count_table(s) if table is None else table
    rows: dict[int, float] = {}
    for (a, _), k in table.items():
        rows[a] = rows.get(a, 0) + k
    c = model.cost_mean

    def effect(a: int, b: int) -> float:
        return model.cohorts[a] * abs(c[a] - c[b]) / rows[a] * model.realisation_mean

    units: list[tuple[str, float]] = []
    for (a, b), k in table.items():
        if k <= 0:
            continue
        if a != b and c[a] < c[b]:
            units += [(f"{keys[a]}->{keys[b]} to already ideal", effect(a, b))] * int(k)
        elif a == b:
            cheaper = [t for (f, t), n in table.items() if f == a and t != a and n > 0 and c[t] < c[a]]
            if cheaper:
                t = min(cheaper, key=lambda i: c[i])
                units += [(f"{keys[a]} already ideal to {keys[t]}", effect(a, t))] * int(k)
    return units


def _fewest_up(point: float, bound: float, units: list[tuple[str, float]]) -> int | None:
    """The fewest other-way reversals that bring the point to at least ``bound`` (0 if already)."""
    if point >= bound:
        return 0
    value = point
    for j, (_, e) in enumerate(sorted(units, key=lambda u: -u[1]), start=1):
        value += e
        if value >= bound:
            return j
    return None


def _fewest(point: float, bound: float, units: list[tuple[str, float]]) -> tuple[int | None, tuple[str, ...]]:
    if point < bound:
        return 0, ()
    ordered = sorted(units, key=lambda u: -u[1])   # stable: ties keep the sample's order
    value = point
    for j, (_, e) in enumerate(ordered, start=1):
        value -= e
        if value < bound:
            return j, tuple(name for name, _ in ordered[:j])
    return None, ()


def fragility(model: engine.Model) -> Fragility | None:
    """The fewest down-shift judgements to reverse to bring the point below each claim bound.

    Returns None when the sample is not given as cases or counts.

    Examples
    --------
    >>> import auditor
    >>> m = engine.build_model(auditor.load_scenario("scenarios/west-sussex-2023-cases.toml"))
    >>> f = fragility(m)
    >>> f.judgements_to_reverse_for_low, f.down_shifts, f.n_cases
    (4, 10, 28)
    """
    s = model.scenario
    if s.sample.form == "reported":
        return _reported_fragility(model)
    if not _counts_available(s):
        return None
    point = point_from_counts(model, _count_table(s))
    units = _down_units(model)
    k_low, names_low = _fewest(point, s.claim.low, units)
    k_high, names_high = _fewest(point, s.claim.high, units)
    up = _up_units(model)
    return Fragility(k_low, k_high, len(units), s.sample.n_cases, names_low, names_high, point,
                     flips_for_low=_fewest_up(point, s.claim.low, up),
                     flips_for_high=_fewest_up(point, s.claim.high, up), flippable=len(up))


def _reported_fragility(model: engine.Model) -> Fragility:
    """Fragility of a ``reported`` sample: one answer per possible split, summarised.

    The headline numbers are those of the middle split (median number of
    reversals for the low end); the ranges cover every split.
    """
    s = model.scenario
    table, per_split = _typical_split(model)
    point = point_from_counts(model, table)
    units = _down_units(model, table)
    k_low, names_low = _fewest(point, s.claim.low, units)
    k_high, names_high = _fewest(point, s.claim.high, units)

    def span(values: list[int | None]) -> tuple[int | None, int | None]:
        numbers = [v for v in values if v is not None]
        return (min(numbers) if numbers else None, None if None in values else max(numbers))

    up = _up_units(model, table)
    return Fragility(k_low, k_high, len(units), int(s.sample.n), names_low, names_high, point,
                     splits=len(per_split), range_for_low=span([p[0] for p in per_split]),
                     range_for_high=span([p[1] for p in per_split]),
                     flips_for_low=_fewest_up(point, s.claim.low, up),
                     flips_for_high=_fewest_up(point, s.claim.high, up), flippable=len(up))


# ---- 3. case influence ---------------------------------------------------------------

def case_influence(model: engine.Model) -> list[dict[str, Any]]:
    """Change in the point estimate from dropping each case (each cell for count data).

    Sorted by the size of the change, largest first (ties keep the sample's order).
    """
    s = model.scenario
    if s.sample.form == "reported":
        # No case list exists; the cells of the middle split (see fragility) stand in.
        table = _typical_split(model)[0]
    elif not _counts_available(s):
        return []
    else:
        table = _count_table(s)
    keys = s.setting_keys
    index = {k: i for i, k in enumerate(keys)}
    point = point_from_counts(model, table)

    def without(cell: tuple[int, int], k: float) -> float:
        t = dict(table)
        t[cell] -= k
        return point_from_counts(model, t)

    rows = []
    if s.sample.form == "cases":
        cache: dict[tuple[int, int], float] = {}
        for case in s.sample.cases:
            cell = (index[case.current], index[case.ideal])
            if cell not in cache:
                cache[cell] = without(cell, 1)
            rows.append({"case": case.case_id, "current": case.current, "ideal": case.ideal,
                         "cases": 1, "point_without": cache[cell], "change": cache[cell] - point})
    else:
        for cell, k in table.items():
            if k > 0:
                p = without(cell, k)
                rows.append({"case": f"{keys[cell[0]]}->{keys[cell[1]]}", "current": keys[cell[0]],
                             "ideal": keys[cell[1]], "cases": int(k), "point_without": p, "change": p - point})
    return sorted(rows, key=lambda r: -abs(r["change"]))
