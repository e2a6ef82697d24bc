"""The ``dist`` vocabulary: uncertain inputs → vectorised draws.

A scenario writes an uncertain quantity either as a plain number (fixed) or as
a table with a ``dist`` key. :func:`parse_dist` validates such a value once and
returns a frozen :class:`Dist`; :meth:`Dist.draw` turns it into draws from an
explicit :class:`numpy.random.Generator`.

Every quantity lives on a *domain*: money and counts cannot be negative, shares
lie in [0, 1]. Unbounded families (normal, lognormal, the fitted interval) are
truncated to the domain by inverse-CDF sampling, which is exact and costs one
uniform variate per draw. Bounded families (uniform, triangular, PERT, beta)
must lie inside the domain, and a scenario that puts them outside is an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from ..errors import ScenarioError
from .money import MONEY_HELP, parse_money, parse_share

__all__ = ["Dist", "Domain", "MONEY", "SHARE", "POSITIVE", "parse_dist", "DIST_KINDS"]

_STD = NormalDist()


@dataclass(frozen=True)
class Domain:
    """Where a quantity may lie, and how its numbers are written."""

    name: str
    lower: float
    upper: float
    money: bool = False

    def parse(self, value: object, field_name: str) -> float:
        """Read one number of this domain (money strings allowed for money)."""
        try:
            if self.money:
                out = parse_money(value)
            elif self.upper == 1.0 and self.lower == 0.0 and isinstance(value, str):
                out = parse_share(value)
            else:
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"must be a number, got {value!r}")
                out = float(value)
        except ValueError as exc:
            raise ScenarioError(str(exc), field=field_name) from None
        if not math.isfinite(out):
            raise ScenarioError(f"must be a finite number, got {value!r}", field=field_name)
        if self.money and abs(out) > MAX_MONEY:
            # Far beyond any council budget; it also keeps cohort × cost sums finite.
            raise ScenarioError(f"must be at most £{MAX_MONEY / 1e9:,.0f}bn, got {value!r}", field=field_name)
        return out

    def describe(self) -> str:
        if self.upper == math.inf:
            return f">= {self.lower:g}"
        return f"between {self.lower:g} and {self.upper:g}"


MONEY = Domain("money", 0.0, math.inf, money=True)
# Documented limits (docs/errors.md): a single amount of money, and the spread of a
# lognormal. sd_log = 10 already means a factor of e^10 ≈ 22,000 per standard
# deviation; larger values only overflow (exp(sd_log²/2) in the mean).
MAX_MONEY = 1e13
MAX_SD_LOG = 10.0
SHARE = Domain("share", 0.0, 1.0)
POSITIVE = Domain("positive", 0.0, math.inf)

DIST_KINDS = {
    "fixed": ("value",),
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "sd_log"),
    "beta": ("a", "b"),  # or mean, sd; optional low, high rescale
    "interval": ("low", "high"),  # optional level (default 0.9)
}
_OPTIONAL = {"beta": ("low", "high", "mean", "sd"), "interval": ("level",)}
_META = ("dist", "source", "note")


@dataclass(frozen=True)
class Dist:
    """A validated uncertain quantity.

    Attributes
    ----------
    kind : str
        One of ``fixed, uniform, triangular, pert, normal, lognormal, beta``;
        an ``interval`` is stored as the normal or lognormal fitted to it.
    params : tuple of (str, float)
        The parameters of ``kind`` in canonical form.
    domain : Domain
        Where draws may fall; unbounded families are truncated to it.
    source : str or None
        Where the figure came from, as written in the scenario.
    written : object
        The value as the scenario wrote it (for reports and ``inputs.json``).

    Examples
    --------
    >>> d = parse_dist({"dist": "uniform", "low": "£20k", "high": 26000}, MONEY, "cost")
    >>> d.mean()
    23000.0
    >>> d.draw(np.random.default_rng(1), 3).round()
    array([23071., 25703., 20865.])
    """

    kind: str
    params: tuple[tuple[str, float], ...]
    domain: Domain
    source: str | None = None
    written: object = field(default=None, compare=False)

    @property
    def p(self) -> dict[str, float]:
        return dict(self.params)

    @property
    def is_fixed(self) -> bool:
        return self.kind == "fixed"

    @property
    def n_variates(self) -> int:
        """Random variates consumed per draw (for the benchmark's RNG floor)."""
        return {"fixed": 0, "uniform": 1, "triangular": 1, "normal": 1,
                "lognormal": 1, "pert": 2, "beta": 2}[self.kind]

    # ---- moments ---------------------------------------------------------
    def mean(self) -> float:
        """The mean of the (truncated) distribution: auditor's central value."""
        p = self.p
        k = self.kind
        if k == "fixed":
            return p["value"]
        if k == "uniform":
            return 0.5 * (p["low"] + p["high"])
        if k == "triangular":
            return (p["low"] + p["mode"] + p["high"]) / 3.0
        if k == "pert":
            return (p["low"] + 4.0 * p["mode"] + p["high"]) / 6.0
        if k == "beta":
            return p["low"] + (p["high"] - p["low"]) * p["a"] / (p["a"] + p["b"])
        if k == "normal":
            return _truncnorm_mean(p["mean"], p["sd"], self.domain.lower, self.domain.upper)
        if k == "lognormal":
            return _trunclognorm_mean(math.log(p["median"]), p["sd_log"], self.domain.upper)
        raise AssertionError(k)  # pragma: no cover - kinds are closed

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take."""
        p = self.p
        if self.kind == "fixed":
            return p["value"], p["value"]
        if self.kind in ("uniform", "triangular", "pert", "beta"):
            return p["low"], p["high"]
        if self.kind == "normal":
            return self.domain.lower, self.domain.upper
        return 0.0, self.domain.upper

    def quantile(self, q: float) -> float:
        """Quantile ``q`` of the distribution (used for presets and switching ranges)."""
        if self.kind == "fixed":
            return self.p["value"]
        from scipy import stats

        p = self.p
        if self.kind == "uniform":
            return p["low"] + q * (p["high"] - p["low"])
        if self.kind == "triangular":
            width = p["high"] - p["low"]
            if width == 0:
                return p["low"]
            c = (p["mode"] - p["low"]) / width
            return float(stats.triang.ppf(q, c, loc=p["low"], scale=width))
        if self.kind in ("pert", "beta"):
            a, b = self._beta_shape()
            return p["low"] + (p["high"] - p["low"]) * float(stats.beta.ppf(q, a, b))
        lo, hi = self._normal_cdf_bounds()
        z = _STD.inv_cdf(min(max(lo + q * (hi - lo), 1e-300), 1 - 1e-16))
        if self.kind == "normal":
            return p["mean"] + p["sd"] * z
        return math.exp(math.log(p["median"]) + p["sd_log"] * z)

    # ---- draws -----------------------------------------------------------
    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Draw ``size`` values with ``rng``.

        Each family makes exactly one vectorised call on ``rng``, so the first
        ``m`` of ``n`` draws do not depend on ``n`` (a longer run extends a
        shorter one rather than reshuffling it).
        """
        p = self.p
        k = self.kind
        if k == "fixed":
            return np.full(size, p["value"])
        if k == "uniform":
            return rng.uniform(p["low"], p["high"], size)
        if k == "triangular":
            if p["low"] == p["high"]:
                return np.full(size, p["low"])
            return rng.triangular(p["low"], p["mode"], p["high"], size)
        if k in ("pert", "beta"):
            a, b = self._beta_shape()
            return p["low"] + (p["high"] - p["low"]) * rng.beta(a, b, size)
        # normal and lognormal: inverse-CDF sampling of the truncated law
        from scipy.special import ndtri

        lo, hi = self._normal_cdf_bounds()
        u = rng.random(size)
        if not (lo == 0.0 and hi == 1.0):  # 0 + 1·u is u: skip two passes when untruncated
            u = lo + (hi - lo) * u
        z = ndtri(u)
        if k == "normal":
            out = p["mean"] + p["sd"] * z
        else:
            # exp(log m + s·z), computed in place (same operations, same order).
            np.multiply(z, p["sd_log"], out=z)
            np.add(z, math.log(p["median"]), out=z)
            out = np.exp(z, out=z)
            if self.domain.lower <= 0.0 and self.domain.upper == math.inf:
                return out  # exp is never negative: the clip below would change nothing
        # Rounding at the edge of the domain must not leave it.
        return np.clip(out, self.domain.lower, self.domain.upper)

    def _beta_shape(self) -> tuple[float, float]:
        p = self.p
        if self.kind == "beta":
            return p["a"], p["b"]
        width = p["high"] - p["low"]
        if width == 0:
            return 1.0, 1.0
        # Classic PERT: a Beta on [low, high] whose mean is (low + 4·mode + high)/6.
        return (1.0 + 4.0 * (p["mode"] - p["low"]) / width,
                1.0 + 4.0 * (p["high"] - p["mode"]) / width)

    def _normal_cdf_bounds(self) -> tuple[float, float]:
        """Standard-normal CDF values of the domain's bounds for this law."""
        p = self.p
        lower, upper = self.domain.lower, self.domain.upper
        if self.kind == "normal":
            mu, sd = p["mean"], p["sd"]
            lo = _STD.cdf((lower - mu) / sd) if lower > -math.inf else 0.0
            hi = _STD.cdf((upper - mu) / sd) if upper < math.inf else 1.0
        else:
            mu, sd = math.log(p["median"]), p["sd_log"]
            lo = 0.0
            hi = _STD.cdf((math.log(upper) - mu) / sd) if 0 < upper < math.inf else 1.0
        return lo, hi

    def describe(self) -> str:
        """A short human description, e.g. ``uniform £20,000–£26,000``."""
        p = self.p
        fmt = _fmt_money if self.domain.money else _fmt_num
        if self.kind == "fixed":
            return fmt(p["value"])
        if self.kind == "uniform":
            return f"uniform {fmt(p['low'])} to {fmt(p['high'])}"
        if self.kind in ("triangular", "pert"):
            return f"{self.kind} {fmt(p['low'])} to {fmt(p['high'])}, most likely {fmt(p['mode'])}"
        if self.kind == "beta":
            return f"beta(a={p['a']:.3g}, b={p['b']:.3g}), mean {fmt(self.mean())}"
        if isinstance(self.written, dict) and self.written.get("dist") == "interval":
            w = self.written
            level = float(w.get("level", 0.9))
            return (f"{level:.0%} range {fmt(self.domain.parse(w['low'], 'low'))} to "
                    f"{fmt(self.domain.parse(w['high'], 'high'))} ({self.kind} fit)")
        if self.kind == "normal":
            return f"normal, mean {fmt(p['mean'])}, sd {fmt(p['sd'])}"
        return f"lognormal, median {fmt(p['median'])}, sd_log {p['sd_log']:.3g}"


def _fmt_money(x: float) -> str:
    return f"£{x:,.0f}"


def _fmt_num(x: float) -> str:
    return f"{x:.3g}"


def _truncnorm_mean(mu: float, sd: float, lower: float, upper: float) -> float:
    a = (lower - mu) / sd if lower > -math.inf else -math.inf
    b = (upper - mu) / sd if upper < math.inf else math.inf
    za = _STD.cdf(a) if a > -math.inf else 0.0
    zb = _STD.cdf(b) if b < math.inf else 1.0
    pa = _STD.pdf(a) if a > -math.inf else 0.0
    pb = _STD.pdf(b) if b < math.inf else 0.0
    mass = zb - za
    if mass <= 1e-12:
        return min(max(mu, lower), upper)
    return mu + sd * (pa - pb) / mass


def _trunclognorm_mean(mu: float, sd: float, upper: float) -> float:
    full = math.exp(mu + 0.5 * sd * sd)
    if upper == math.inf:
        return full
    top = _STD.cdf((math.log(upper) - mu - sd * sd) / sd)
    mass = _STD.cdf((math.log(upper) - mu) / sd)
    return full * top / mass if mass > 1e-12 else upper


# ---- parsing -------------------------------------------------------------

def parse_dist(raw: object, domain: Domain, field_name: str) -> Dist:
    """Validate a scenario value (a number or a ``dist`` table) into a :class:`Dist`.

    Parameters
    ----------
    raw : number, str or dict
        As read from TOML.
    domain : Domain
        ``MONEY``, ``SHARE`` or ``POSITIVE``.
    field_name : str
        Dotted field name, used in error messages.

    Raises
    ------
    ScenarioError
        Naming the field (and sub-field) and what is allowed.

    Examples
    --------
    >>> parse_dist("£58k", MONEY, "cost").mean()
    58000.0
    >>> parse_dist({"dist": "pert", "low": 0.5, "mode": 0.8, "high": 1.0}, SHARE, "r").mean()
    0.7833333333333333
    """
    if not isinstance(raw, dict):
        value = domain.parse(raw, field_name)
        _check_in_domain(value, domain, field_name)
        return Dist("fixed", (("value", value),), domain, None, raw)
    kind, source = _check_dist_table(raw, field_name)
    return _KIND_PARSERS[kind](_Reader(raw, kind, domain, field_name), source)


def _check_dist_table(raw: dict, field_name: str) -> tuple[str, str | None]:
    """The ``dist`` kind and ``source`` of a table, after checking its keys."""
    kind = raw.get("dist")
    if kind is None:
        raise ScenarioError(
            f"a table here needs a `dist` key, one of {', '.join(DIST_KINDS)}", field=field_name)
    if not isinstance(kind, str) or kind not in DIST_KINDS:
        raise ScenarioError(
            f"unknown dist {kind!r}; allowed: {', '.join(DIST_KINDS)}", field=f"{field_name}.dist")
    source = raw.get("source")
    if source is not None and not isinstance(source, str):
        raise ScenarioError(f"must be a string, got {source!r}", field=f"{field_name}.source")
    if "note" in raw and not isinstance(raw["note"], str):
        raise ScenarioError(f"must be a string, got {raw['note']!r}", field=f"{field_name}.note")
    allowed = set(DIST_KINDS[kind]) | set(_OPTIONAL.get(kind, ())) | set(_META)
    for key in raw:
        if key not in allowed:
            raise ScenarioError(
                f"unknown key for dist {kind!r}; allowed: {', '.join(sorted(allowed - {'dist'}))}",
                field=f"{field_name}.{key}")
    return kind, source


@dataclass(frozen=True)
class _Reader:
    """One ``dist`` table being parsed: its parameters read by name, in its domain."""

    raw: dict
    kind: str
    domain: Domain
    field: str

    def num(self, key: str, dom: Domain | None = None) -> float:
        if key not in self.raw:
            raise ScenarioError(f"missing; dist {self.kind!r} needs {', '.join(DIST_KINDS[self.kind])}",
                                field=f"{self.field}.{key}")
        return (dom or self.domain).parse(self.raw[key], f"{self.field}.{key}")

    def dist(self, kind: str, params: tuple, source: str | None) -> Dist:
        return Dist(kind, params, self.domain, source, self.raw)

    def in_domain(self, *keys_values: tuple[str, float]) -> None:
        for key, v in keys_values:
            _check_in_domain(v, self.domain, f"{self.field}.{key}")


def _parse_fixed(r: _Reader, source: str | None) -> Dist:
    v = r.num("value")
    r.in_domain(("value", v))
    return r.dist("fixed", (("value", v),), source)


def _parse_uniform(r: _Reader, source: str | None) -> Dist:
    lo, hi = r.num("low"), r.num("high")
    _check_order(lo, hi, r.field)
    r.in_domain(("low", lo), ("high", hi))
    return r.dist("uniform", (("low", lo), ("high", hi)), source)


def _parse_three_point(r: _Reader, source: str | None) -> Dist:
    """``triangular`` and ``pert``: low, mode, high."""
    lo, mode, hi = r.num("low"), r.num("mode"), r.num("high")
    _check_order(lo, hi, r.field)
    if not lo <= mode <= hi:
        raise ScenarioError(f"mode must lie between low ({lo:g}) and high ({hi:g}), got {mode:g}",
                            field=f"{r.field}.mode")
    r.in_domain(("low", lo), ("high", hi))
    return r.dist(r.kind, (("low", lo), ("mode", mode), ("high", hi)), source)


def _parse_normal(r: _Reader, source: str | None) -> Dist:
    mu, sd = r.num("mean"), r.num("sd", POSITIVE if not r.domain.money else MONEY)
    if sd <= 0:
        raise ScenarioError(f"must be > 0, got {sd:g}", field=f"{r.field}.sd")
    _check_mass(mu, sd, r.domain, r.field)
    return r.dist("normal", (("mean", mu), ("sd", sd)), source)


def _parse_lognormal(r: _Reader, source: str | None) -> Dist:
    f = r.field
    med, sdl = r.num("median"), r.num("sd_log", POSITIVE)
    if med <= 0:
        raise ScenarioError(f"must be > 0, got {med:g}", field=f"{f}.median")
    if sdl <= 0:
        raise ScenarioError(f"must be > 0, got {sdl:g}", field=f"{f}.sd_log")
    if sdl > MAX_SD_LOG:
        raise ScenarioError(f"must be at most {MAX_SD_LOG:g} (a factor of e^{MAX_SD_LOG:g} per standard "
                            f"deviation), got {sdl:g}", field=f"{f}.sd_log")
    return r.dist("lognormal", (("median", med), ("sd_log", sdl)), source)


def _parse_interval(r: _Reader, source: str | None) -> Dist:
    """``interval``, "a 90% range".

    Money ranges that are strictly positive are fitted to a lognormal (costs
    are right-skewed and cannot be negative); shares and ranges touching zero
    are fitted to a normal, truncated to the domain.
    """
    f = r.field
    lo, hi = r.num("low"), r.num("high")
    level = SHARE.parse(r.raw.get("level", 0.9), f"{f}.level")
    if not 0.0 < level < 1.0:
        raise ScenarioError(f"must lie strictly between 0 and 1, got {level:g}", field=f"{f}.level")
    if not lo < hi:
        raise ScenarioError(f"low ({lo:g}) must be below high ({hi:g}) for an interval", field=f)
    r.in_domain(("low", lo), ("high", hi))
    z = _STD.inv_cdf(0.5 + level / 2.0)
    if lo > 0 and r.domain is not SHARE:
        params = (("median", math.sqrt(lo * hi)), ("sd_log", (math.log(hi) - math.log(lo)) / (2 * z)))
        if params[1][1] > MAX_SD_LOG:
            raise ScenarioError(f"a {level:.0%} range from {lo:g} to {hi:g} implies sd_log {params[1][1]:.3g} on the "
                                f"log scale, above the maximum {MAX_SD_LOG:g}; raise `level` or narrow the range",
                                field=f)
        return r.dist("lognormal", params, source)
    return r.dist("normal", (("mean", 0.5 * (lo + hi)), ("sd", (hi - lo) / (2 * z))), source)


def _parse_beta(raw: dict, domain: Domain, f: str, source: str | None) -> Dist:
    lo = domain.parse(raw.get("low", 0.0), f"{f}.low")
    hi = domain.parse(raw.get("high", 1.0), f"{f}.high")
    if domain is not SHARE and ("low" not in raw or "high" not in raw):
        raise ScenarioError("a beta outside [0, 1] needs `low` and `high` to set its range", field=f)
    _check_order(lo, hi, f)
    _check_in_domain(lo, domain, f"{f}.low")
    _check_in_domain(hi, domain, f"{f}.high")
    has_ab = "a" in raw or "b" in raw
    has_ms = "mean" in raw or "sd" in raw
    if has_ab == has_ms:
        raise ScenarioError("give either `a` and `b`, or `mean` and `sd`", field=f)
    if has_ab:
        for key in ("a", "b"):
            if key not in raw:
                raise ScenarioError("missing; a beta needs both `a` and `b`", field=f"{f}.{key}")
        a = POSITIVE.parse(raw["a"], f"{f}.a")
        b = POSITIVE.parse(raw["b"], f"{f}.b")
        for key, v in (("a", a), ("b", b)):
            if v <= 0:
                raise ScenarioError(f"must be > 0, got {v:g}", field=f"{f}.{key}")
    else:
        for key in ("mean", "sd"):
            if key not in raw:
                raise ScenarioError("missing; a beta by moments needs both `mean` and `sd`",
                                    field=f"{f}.{key}")
        mean = domain.parse(raw["mean"], f"{f}.mean")
        sd = POSITIVE.parse(raw["sd"], f"{f}.sd") if not domain.money else MONEY.parse(raw["sd"], f"{f}.sd")
        width = hi - lo
        if width <= 0 or not lo < mean < hi:
            raise ScenarioError(f"must lie strictly between {lo:g} and {hi:g}, got {mean:g}",
                                field=f"{f}.mean")
        m = (mean - lo) / width
        s = sd / width
        if not 0 < s * s < m * (1 - m):
            raise ScenarioError(
                f"must be > 0 and below sqrt(mean·(1−mean)) = {math.sqrt(m * (1 - m)) * width:.4g} "
                f"for a beta with this mean, got {sd:g}", field=f"{f}.sd")
        common = m * (1 - m) / (s * s) - 1.0
        a, b = m * common, (1 - m) * common
    return Dist("beta", (("a", a), ("b", b), ("low", lo), ("high", hi)), domain, source, raw)


def _check_order(lo: float, hi: float, f: str) -> None:
    if lo > hi:
        raise ScenarioError(f"low ({lo:g}) must not exceed high ({hi:g})", field=f)


def _check_in_domain(value: float, domain: Domain, f: str) -> None:
    if not domain.lower <= value <= domain.upper:
        extra = f"; {MONEY_HELP}" if domain.money and value < 0 else ""
        raise ScenarioError(f"must be {domain.describe()}, got {value:g}{extra}", field=f)


def _check_mass(mu: float, sd: float, domain: Domain, f: str) -> None:
    """Refuse a normal that the domain would truncate away almost entirely."""
    lo = _STD.cdf((domain.lower - mu) / sd) if domain.lower > -math.inf else 0.0
    hi = _STD.cdf((domain.upper - mu) / sd) if domain.upper < math.inf else 1.0
    if hi - lo < 0.01:
        raise ScenarioError(
            f"a normal with mean {mu:g} and sd {sd:g} puts less than 1% of its mass "
            f"{domain.describe()}; move the mean inside that range", field=f"{f}.mean")


#: The parser of each ``dist`` kind; every kind of :data:`DIST_KINDS` has one.
_KIND_PARSERS = {
    "fixed": _parse_fixed,
    "uniform": _parse_uniform,
    "triangular": _parse_three_point,
    "pert": _parse_three_point,
    "normal": _parse_normal,
    "lognormal": _parse_lognormal,
    "beta": lambda r, source: _parse_beta(r.raw, r.domain, r.field, source),
    "interval": _parse_interval,
}
