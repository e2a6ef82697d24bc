"""Scenario files: TOML → a validated, frozen :class:`Scenario`.

Everything a user writes is checked here, once. Each problem raises a
:class:`~auditor.errors.ScenarioError` naming the file, the line where it can
be found, the dotted field, what is wrong and what is allowed. After loading,
the rest of auditor trusts the scenario's types.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .distributions import MAX_MONEY, MONEY, SHARE, Dist, parse_dist
from ..errors import AuditorError, DataError, ScenarioError
from .files import read_utf8
from .levers import Levers, parse_levers
from .flow import parse_flow
from .judgement import JudgementModel, parse_judgement
from .money import parse_money
from .sample import CaseSample, canonical_key, parse_sample

__all__ = ["Scenario", "Setting", "Claim", "BUDGET_PARTS", "BUDGET_WORDS", "SCOPES", "RunSettings", "VerdictRule",
           "load_scenario", "loads_scenario",
           "parse_scenario", "apply_overrides", "parse_override", "locate", "MAX_DRAWS", "MAX_SEED",
           "SCHEMA_VERSION"]

SCHEMA_VERSION = 1
#: Deepest nesting of tables and lists accepted (the format itself uses about five).
MAX_DEPTH = 12
MAX_DRAWS = 100_000_000
MAX_SEED = 2**63 - 1
TOP_KEYS = ("schema_version", "scenario", "claim", "settings", "sample", "judgement",
            "implementation", "costs", "run", "verdict")


@dataclass(frozen=True)
class Setting:
    """One placement type: its label, annual cost per placement and cohort."""

    key: str
    label: str
    cost: Dist
    cohort: int
    source: str | None = None
    new_per_year: float | None = None
    # Parts of a placement's cost paid from outside the high-needs block; each is
    # counted only when the claim's budget boundary includes it (BUDGET_PARTS).
    schools_block: Dist | None = None   # e.g. a mainstream school's notional SEN money
    transport: Dist | None = None       # home-to-school transport, council general fund
    dfe: tuple[str, ...] = ()           # DfE categories (auditor.inputs.councils.CATEGORIES); () = from the name

    def parts(self, budget: str) -> tuple[tuple[str, Dist], ...]:
        """The optional cost parts counted at ``budget``, in a fixed order.

        Examples
        --------
        >>> from auditor.inputs.distributions import MONEY, parse_dist
        >>> st = Setting("mainstream", "Mainstream", parse_dist(8000, MONEY, "c"), 10,
        ...              schools_block=parse_dist(6000, MONEY, "s"))
        >>> [k for k, _ in st.parts("high_needs")], [k for k, _ in st.parts("dsg")]
        ([], ['schools_block'])
        """
        return tuple((k, getattr(self, k)) for k in BUDGET_PARTS[budget] if getattr(self, k) is not None)

    def counted_mean(self, budget: str) -> float:
        """Mean annual cost of one placement at ``budget``: ``cost`` plus the counted parts."""
        m = self.cost.mean()
        for _, d in self.parts(budget):
            m = m + d.mean()
        return m


#: Which optional cost parts each budget boundary counts on top of ``cost``
#: (the high-needs block cost: place funding and top-up, or fees).
BUDGET_PARTS = {"high_needs": (), "dsg": ("schools_block",), "public": ("schools_block", "transport")}
BUDGET_WORDS = {"high_needs": "the high-needs block of the Dedicated Schools Grant",
                "dsg": "the whole Dedicated Schools Grant (high-needs and schools blocks)",
                "public": "public money as a whole (the Dedicated Schools Grant plus home-to-school transport)"}
SCOPES = ("whole", "partial")


@dataclass(frozen=True)
class Claim:
    """The published figure being audited, in pounds."""

    low: float
    high: float
    per: str = "year"
    horizon_years: int = 1
    source: str | None = None
    basis: str = "stock"
    derived: bool = False   # True: worked out by the scenario's author, not published by the council
    budget: str = "high_needs"
    budget_stated: bool = False   # False: the scenario did not say; the default was used
    scope: str = "whole"          # "partial": the modelled levers produce only part of the figure
    scope_note: str | None = None


@dataclass(frozen=True)
class RunSettings:
    """Monte Carlo size and seed (``seed=None``: one is drawn and recorded)."""

    draws: int = 100_000
    seed: int | None = None


@dataclass(frozen=True)
class VerdictRule:
    """Thresholds of the verdict, applied to the ``full`` stage.

    * ``collapses`` when P(savings ≥ claim low) < ``collapse_below`` (0.33: the
      low end is "unlikely" on the IPCC scale);
    * ``holds`` when P(savings ≥ claim low) ≥ ``hold_at`` and the audited 90%
      interval is at most ``max_width_ratio`` times as wide as the claim's range
      (at its low end only when the high end is exceptionally unlikely);
    * ``widens`` otherwise.

    See :mod:`auditor.analysis.verdict` and docs/methods.md §7 for the reasons.
    """

    collapse_below: float = 0.33
    hold_at: float = 0.8
    max_width_ratio: float = 1.5


@dataclass(frozen=True)
class Scenario:
    """A validated audit scenario. Build it with :func:`load_scenario`."""

    title: str
    claim: Claim
    settings: tuple[Setting, ...]
    sample: CaseSample
    judgement: JudgementModel
    realisation: Dist
    run: RunSettings
    verdict: VerdictRule = VerdictRule()
    authority: str | None = None
    sources: tuple[str, ...] = ()
    notes: str | None = None
    path: str | None = None
    sha256: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    normalised: tuple[tuple[str, str], ...] = ()
    ramp: tuple[float, ...] = ()
    length_of_stay: float | None = None
    la_code: str | None = None      # DfE 3-digit code of the council whose caseload the cohorts come from
    census_year: int | None = None  # January of that caseload
    levers: "Levers" = field(default=None)  # type: ignore[assignment]  # set in __post_init__
    # ``--set`` / API overrides applied on top of the file (dotted key -> value), kept so that the
    # run's outputs can say exactly how to reproduce it; empty when the file was run as written.
    overrides: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.levers is None:
            object.__setattr__(self, "levers", Levers())

    @property
    def warnings(self) -> tuple[str, ...]:
        """Legal but questionable choices, one line each (printed by ``validate`` and ``run``)."""
        from .evidence import evidence_warnings

        from .councils import population_warnings

        return (tuple(evidence_warnings(getattr(self.judgement, "evidence", None)))
                + tuple(population_warnings(self)))

    @property
    def setting_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.settings)

    def setting(self, key: str) -> Setting:
        for s in self.settings:
            if s.key == key:
                return s
        raise KeyError(key)


# ---- loading ---------------------------------------------------------------

def load_scenario(path: str | Path, *, overrides: Mapping[str, Any] | None = None,
                  allow_outside: bool = False) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A TOML scenario file.
    overrides : mapping, optional
        Dotted keys and values applied before validation, as ``--set`` does,
        e.g. ``{"run.draws": 5000, "judgement.model": "face_value"}``.
    allow_outside : bool
        Allow the ``cases`` CSV to live outside the scenario's folder.

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError, DataError
        With file, line where known, dotted field and what is allowed.

    Examples
    --------
    >>> s = load_scenario("scenarios/west-sussex-2023.toml")
    >>> s.claim.low, s.sample.n_cases
    (17800000.0, 28)
    """
    p = Path(path)
    shown = str(path)
    data, text = read_utf8(p, shown, ScenarioError, folder="is a folder; give the path of a .toml scenario file",
                           missing="file not found", save_as="UTF-8")
    return _load(data, text, shown, overrides=overrides, base_dir=p.parent, allow_outside=allow_outside)


def loads_scenario(data: bytes, *, name: str = "scenario.toml", files: Mapping[str, str] | None = None,
                   overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario held in memory (an upload), never touching the disk.

    Parameters
    ----------
    data : bytes
        The scenario file's bytes (UTF-8). ``sha256`` is their hash, as
        :func:`load_scenario` gives for the same file.
    name : str
        The file name shown in error messages.
    files : mapping of str to str, optional
        Case lists by the name ``sample.cases`` gives; a scenario naming a
        case list not in ``files`` is an error, and no path is ever opened.
    overrides : mapping, optional
        As for :func:`load_scenario`.

    Examples
    --------
    >>> text = Path("scenarios/west-sussex-2023.toml").read_bytes()
    >>> loads_scenario(text).sha256 == load_scenario("scenarios/west-sussex-2023.toml").sha256
    True
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8", path=name,
                            line=line) from None
    return _load(data, text, name, overrides=overrides, files=dict(files or {}))


def _load(data: bytes, text: str, shown: str, *, overrides: Mapping[str, Any] | None = None,
          base_dir: Path = Path("."), allow_outside: bool = False,
          files: Mapping[str, str] | None = None) -> Scenario:
    text = text.replace("\r\n", "\n")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else None
        what = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        where = f" at column {m.group(2)}" if m else ""
        what = what.replace("(at end of document)", "at the end of the file")
        hint = next((h for start, h in _TOML_HINTS if what.startswith(start)), "")
        raise ScenarioError(f"TOML syntax error{where}: {what}{hint}", path=shown, line=line) from None
    except RecursionError:
        raise ScenarioError(f"is nested too deeply to read; a scenario has at most {MAX_DEPTH} levels of "
                            "tables and lists", path=shown) from None
    try:
        check_values(raw)
    except ScenarioError as exc:
        exc.path = shown
        if exc.field:
            exc.line = locate(text, exc.field)
        raise
    touched: set[str] = set()
    if overrides:
        raw, touched = apply_overrides(raw, overrides)
        try:
            check_values(raw)
        except ScenarioError as exc:  # the file's own values passed above: this came from --set
            exc.path = "--set"
            raise
    _refuse_placeholder(raw, text, shown, touched)
    try:
        scenario = parse_scenario(raw, base_dir=base_dir, allow_outside=allow_outside, files=files)
    except DataError:
        raise
    except AuditorError as exc:
        if exc.field and _touched(exc.field, touched):
            exc.path = "--set"
        else:
            exc.path = shown
            if exc.line is None and exc.field:
                exc.line = locate(text, exc.field)
        raise
    scenario = _with_identity(scenario, shown, hashlib.sha256(data).hexdigest())
    if overrides:
        from dataclasses import replace
        scenario = replace(scenario, overrides={_dotted(k): v for k, v in overrides.items()})
    return scenario


def check_values(raw: Any, field: str = "") -> None:
    """Refuse what no scenario needs and what would break the code below: deep nesting, non-64-bit integers.

    TOML itself allows only 64-bit integers ("an error must be thrown" for
    others); :mod:`tomllib` reads any size, so the limit is applied here.
    Iterative, so a hostile file cannot exhaust the stack.

    Examples
    --------
    >>> check_values({"sample": {"transitions": [{"count": 2**70}]}})
    Traceback (most recent call last):
    ...
    auditor.errors.ScenarioError: sample.transitions[0].count: is too large for a TOML integer (at most 9,223,372,036,854,775,807), got 1180591620717411303424
    """
    stack = [(raw, field, 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ScenarioError(f"is nested more than {MAX_DEPTH} levels deep; a scenario needs far fewer",
                                field=where or None)
        if isinstance(value, dict):
            for k, v in value.items():
                stack.append((v, f"{where}.{k}" if where else str(k), depth + 1))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                stack.append((v, f"{where}[{i}]", depth + 1))
        elif isinstance(value, int) and not isinstance(value, bool) and not -2**63 <= value < 2**63:
            raise ScenarioError(f"is too large for a TOML integer (at most {2**63 - 1:,}), got {value}",
                                field=where or None)


# tomllib's wording, and what usually causes it in a hand-typed scenario.
_TOML_HINTS = (
    ("Illegal character '\\n'", " (is a string missing its closing quote?)"),
    ("Invalid value", " (text, names and money such as £17.8m go in double quotes: low = \"£17.8m\")"),
    ("Expected newline or end of document after a statement",
     " (write 17.8m or 1,000 in double quotes, \"17.8m\", or as a plain number, 1000)"),
    ("Cannot overwrite a value", " (a key or a table is given twice)"),
    ("Unescaped '\\'", " (write a backslash as \\\\ or use 'single quotes')"),
)


def _with_identity(s: Scenario, path: str, sha: str) -> Scenario:
    from dataclasses import replace
    return replace(s, path=path, sha256=sha)


def _refuse_placeholder(raw: dict, text: str, shown: str, touched: set[str] = frozenset()) -> None:
    """Refuse a value still written as an ``auditor new`` placeholder, so no report rests on one.

    Checked before the values are parsed, so the first placeholder in the file is
    named even where it stands in for a number (a cohort, the claim). A
    placeholder given with ``--set`` is blamed on ``--set``, not on the file.
    """
    from .templates import first_placeholder

    found = first_placeholder(raw)
    if found is not None:
        field, what = found
        if _touched(field, touched):
            raise ScenarioError(f"the value given is a template placeholder; give {what} instead",
                                path="--set", field=field)
        raise ScenarioError(f"still the template's placeholder; replace it with {what}", path=shown,
                            field=field, line=locate(text, field))


def _touched(field: str, touched: set[str]) -> bool:
    """Whether ``field`` was set (or sits inside a table set) by ``--set``."""
    return any(field == t or field.startswith(t + ".") or field.startswith(t + "[") for t in touched)


def locate(text: str, dotted: str) -> int | None:
    """Best-effort 1-based line of a dotted field in TOML text.

    Examples
    --------
    >>> locate("a = 1\\n[claim]\\nlow = 2\\n", "claim.low")
    3
    """
    parts = re.split(r"\.(?![^\[]*\])", re.sub(r"\[\d+\]", "", dotted))
    lines = text.split("\n")
    headers = {}
    for i, line in enumerate(lines):
        m = re.match(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$", line)
        if m:
            headers.setdefault(re.sub(r"\s*\.\s*", ".", m.group(1)).replace('"', ""), i)
    start, rest = 0, parts
    for k in range(len(parts), 0, -1):
        name = ".".join(parts[:k])
        if name in headers:
            start, rest = headers[name], parts[k:]
            if not rest:
                return start + 1
            break
    else:
        if parts[0] in headers:  # pragma: no cover - covered by the loop
            return headers[parts[0]] + 1
    key = rest[0]
    first = start + 1 if start or lines[0].lstrip().startswith("[") else 0
    for i in range(first, len(lines)):
        if i > first and re.match(r"\s*\[", lines[i]) and not re.match(r"\s*\[\s*\]", lines[i]):
            if i != start:
                break
        if re.match(rf'\s*"?{re.escape(key)}"?\s*=', lines[i]):
            return i + 1
    return start + 1 if start or first else None


# ---- overrides -------------------------------------------------------------

def _dotted(key: str) -> str:
    """``judgement__model`` (the keyword-argument spelling) as ``judgement.model``."""
    return key.replace("__", ".") if "." not in key else key


def toml_value(value: Any) -> str:
    """``value`` written as a TOML value, so that :func:`parse_override` reads it back unchanged.

    Examples
    --------
    >>> toml_value("selection"), toml_value(5000), toml_value(0.5), toml_value(True)
    ('"selection"', '5000', '0.5', 'true')
    >>> toml_value({"dist": "uniform", "low": 0.5, "high": 1})
    '{dist = "uniform", low = 0.5, high = 1}'
    >>> parse_override("k=" + toml_value({"a": [1, "x"]}))
    ('k', {'a': [1, 'x']})
    >>> parse_override("k=" + toml_value("tab\\t, delete\\x7f"))
    ('k', 'tab\\t, delete\\x7f')
    """
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        # JSON escapes every control character TOML forbids except DEL, which TOML forbids raw too.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if value != value else
                                                          ("inf" if value > 0 else "-inf"))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k)) if not re.fullmatch(r'[A-Za-z0-9_-]+', str(k)) else k}"
                               f" = {toml_value(v)}" for k, v in value.items()) + "}"
    return str(value)


def format_override(key: str, value: Any) -> str:
    """One ``--set`` argument, ``KEY=VALUE``, that reproduces an override exactly.

    Examples
    --------
    >>> format_override("judgement__model", "selection")
    'judgement.model="selection"'
    """
    return f"{_dotted(key)}={toml_value(value)}"


def parse_override(text: str) -> tuple[str, Any]:
    """Split ``KEY=VALUE`` and read VALUE as TOML (bare words are strings).

    Examples
    --------
    >>> parse_override("run.draws=5000"), parse_override("judgement.model=face_value")
    (('run.draws', 5000), ('judgement.model', 'face_value'))
    >>> parse_override('implementation.realisation={dist="uniform", low=0.5, high=1}')[1]["dist"]
    'uniform'
    """
    if "=" not in text:
        raise ScenarioError(f"expected KEY=VALUE, got {text!r}", path="--set")
    key, value = text.split("=", 1)
    key = key.strip()
    if "\n" in value or "\r" in value:
        raise ScenarioError(f"the value of {key} has a line break; give one line (TOML escapes such as \\n "
                            "inside quotes are fine)", path="--set")
    if not re.fullmatch(r"[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*", key):
        raise ScenarioError(f"expected a dotted key such as run.draws, got {key!r}", path="--set")
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    except RecursionError:
        raise ScenarioError(f"the value of {key} is nested too deeply", path="--set") from None
    return key, parsed


def apply_overrides(raw: dict, overrides: Mapping[str, Any]) -> tuple[dict, set[str]]:
    """Return a copy of ``raw`` with dotted keys set, and the keys touched.

    A key must name a field the scenario format knows; an unknown one is an
    error naming ``--set``.

    Switching the judgement model (``--set judgement.model=face_value``)
    starts the ``[judgement]`` table afresh: the file's other judgement keys
    belong to its own model, so only ``note``, ``source`` and keys also given
    with ``--set`` are kept.

    Examples
    --------
    >>> raw = {"judgement": {"model": "selection", "evidence": "tribunal:2022/23"}}
    >>> apply_overrides(raw, {"judgement.model": "face_value"})[0]["judgement"]
    {'model': 'face_value'}
    """
    import copy

    out = copy.deepcopy(raw)
    touched = set()
    keys = [k.replace("__", ".") if "." not in k else k for k in overrides]
    old_judgement = out.get("judgement")
    if "judgement.model" in keys and isinstance(old_judgement, dict):
        if old_judgement.get("model") != overrides.get("judgement.model", overrides.get("judgement__model")):
            out["judgement"] = {k: v for k, v in old_judgement.items() if k in ("note", "source")}
    for dotted, value in overrides.items():
        dotted = dotted.replace("__", ".") if "." not in dotted else dotted
        parts = dotted.split(".")
        if parts[0] not in TOP_KEYS:
            import difflib

            close = difflib.get_close_matches(parts[0], TOP_KEYS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ScenarioError(f"unknown key{hint}; top-level keys are {', '.join(TOP_KEYS)}", path="--set",
                                field=dotted)
        node = out
        for depth, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None and depth == 1 and parts[0] == "settings" and isinstance(node, dict) and node:
                _unknown_setting(part, list(node), dotted)
            if nxt is None:
                nxt = node[part] = {}
                # A table made by --set: what it lacks is --set's to supply, not the file's.
                touched.add(".".join(parts[:depth + 1]))
            if not isinstance(nxt, dict):
                raise ScenarioError(f"{part!r} is not a table, so it has no field {parts[-1]!r}", path="--set",
                                    field=dotted)
            node = nxt
        node[parts[-1]] = value
        touched.add(dotted)
    return out, touched


def _unknown_setting(name: str, known: list[str], dotted: str) -> None:
    """Refuse ``--set settings.NAME.field=...`` for a setting the file does not have (usually a typo).

    A whole new setting can still be added as one table: ``--set 'settings.NAME={...}'``.
    """
    import difflib

    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ScenarioError(f"the scenario has no setting {name!r}{hint}; its settings are {', '.join(known)}",
                        path="--set", field=dotted)


# ---- validation -----------------------------------------------------------

def _table(raw: dict, key: str, *, required: bool = True) -> dict | None:
    if key not in raw:
        if required:
            raise ScenarioError(f"missing section [{key}]", field=key)
        return None
    value = raw[key]
    if not isinstance(value, dict):
        raise ScenarioError(f"must be a table ([{key}])", field=key)
    return value


def _keys(table: dict, allowed: tuple[str, ...], field: str) -> None:
    for key in table:
        if key not in allowed:
            raise ScenarioError(f"unknown key; allowed: {', '.join(allowed)}", field=f"{field}.{key}")


def _string(table: dict, key: str, field: str, *, required: bool = False) -> str | None:
    if key not in table:
        if required:
            raise ScenarioError("missing; a string is required", field=f"{field}.{key}")
        return None
    value = table[key]
    if not isinstance(value, str):
        raise ScenarioError(f"must be a string, got {value!r}", field=f"{field}.{key}")
    return value


def _int(value: Any, field: str, lo: int, hi: int, what: str) -> int:
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"must be a whole number {what}, got {value!r}", field=field)
    if not lo <= value <= hi:
        raise ScenarioError(f"must be a whole number {what}, got {value}", field=field)
    return value


def _count_text(value: Any, field: str) -> Any:
    """A count of children written as text (``"600"``, ``"2,374"``) as an int; other values unchanged.

    Money may be written as text, so counts may be too; a fraction is refused
    rather than rounded, since it usually means a figure was pasted in the
    wrong place.

    Examples
    --------
    >>> _count_text("2,374", "settings.a.cohort"), _count_text(600, "settings.a.cohort")
    (2374, 600)
    >>> _count_text("600.5", "settings.a.cohort")
    Traceback (most recent call last):
    ...
    auditor.errors.ScenarioError: settings.a.cohort: must be a whole number of children, got '600.5'; a count cannot have a fraction
    """
    if not isinstance(value, str):
        return value
    if re.fullmatch(r"\s*(\d{1,3}(,\d{3})+|\d+)\s*", value):
        return int(value.replace(",", ""))
    if re.fullmatch(r"\s*(\d{1,3}(,\d{3})+|\d+)?\.\d+\s*", value):
        raise ScenarioError(f"must be a whole number of children, got {value!r}; a count cannot have a fraction",
                            field=field)
    return value


def parse_scenario(raw: dict, *, base_dir: Path = Path("."), allow_outside: bool = False,
                   files: Mapping[str, str] | None = None) -> Scenario:
    """Validate an already-parsed TOML document (see :func:`load_scenario`; ``files`` as :func:`loads_scenario`)."""
    for key in raw:
        if key not in TOP_KEYS:
            raise ScenarioError(f"unknown top-level key; allowed: {', '.join(TOP_KEYS)}", field=key)
    if "schema_version" not in raw:
        raise ScenarioError("missing; write `schema_version = 1` at the top of the file", field="schema_version")
    if raw["schema_version"] != SCHEMA_VERSION or not isinstance(raw["schema_version"], int) \
            or isinstance(raw["schema_version"], bool):
        raise ScenarioError(f"must be {SCHEMA_VERSION}, got {raw['schema_version']!r}", field="schema_version")

    meta = _table(raw, "scenario")
    _keys(meta, ("title", "authority", "sources", "notes", "la_code", "census_year"), "scenario")
    la_code, census_year = _parse_census(meta)
    title = _string(meta, "title", "scenario", required=True)
    if not title.strip():
        raise ScenarioError("must not be empty", field="scenario.title")
    sources = meta.get("sources", [])
    if isinstance(sources, str):
        sources = [sources]
    if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
        raise ScenarioError("must be a list of strings", field="scenario.sources")

    claim = _parse_claim(_table(raw, "claim"))
    settings, names, normalised = _parse_settings(_table(raw, "settings"))
    sample_raw = _table(raw, "sample")
    # The optional levers are validated in auditor.inputs.levers; the review's own keys in sample.
    sample = parse_sample({k: v for k, v in sample_raw.items() if k != "selection_bias"}, names, base_dir,
                          allow_outside=allow_outside, files=files)
    judgement = parse_judgement(_table(raw, "judgement", required=False))

    impl = _table(raw, "implementation", required=False) or {}
    _keys(impl, ("realisation", "delivered", "failed_move_cost", "ramp", "length_of_stay_years", "source", "note"),
          "implementation")
    realisation = parse_dist(impl.get("realisation", 1.0), SHARE, "implementation.realisation")
    ramp, stay = parse_flow(claim, settings, impl)
    levers = parse_levers(sample_raw, impl, _table(raw, "costs", required=False))

    run_raw = _table(raw, "run", required=False) or {}
    _keys(run_raw, ("draws", "seed"), "run")
    draws = _int(run_raw.get("draws", 100_000), "run.draws", 1, MAX_DRAWS, f"from 1 to {MAX_DRAWS:,}")
    seed = run_raw.get("seed")
    if seed is not None:
        seed = _int(seed, "run.seed", 0, MAX_SEED, f"from 0 to {MAX_SEED} (2^63 − 1)")

    verdict = _parse_verdict(_table(raw, "verdict", required=False) or {})
    return Scenario(
        title=title.strip(), claim=claim, settings=settings, sample=sample, judgement=judgement,
        realisation=realisation, run=RunSettings(draws, seed), verdict=verdict,
        authority=_string(meta, "authority", "scenario"), sources=tuple(sources),
        notes=_string(meta, "notes", "scenario"), raw=raw,
        normalised=normalised + tuple(x for x in sample.normalised if x not in normalised),
        ramp=ramp, length_of_stay=stay, la_code=la_code, census_year=census_year, levers=levers,
    )


def _parse_census(meta: dict) -> tuple[str | None, int | None]:
    """``[scenario] la_code`` (a DfE 3-digit or 9-character code) and ``census_year`` (a January published)."""
    from .councils import CASELOAD_YEARS, find_council, reorganisation_note, years_for

    code = meta.get("la_code")
    council = None
    if code is not None:
        if isinstance(code, bool) or not isinstance(code, (str, int)):
            raise ScenarioError(f"must be a council's DfE code such as \"938\" or \"E10000032\", got {code!r}",
                                field="scenario.la_code")
        try:
            council = find_council(code, field="scenario.la_code")
        except AuditorError as exc:
            raise ScenarioError(exc.message, field="scenario.la_code") from None
    year = meta.get("census_year")
    if year is not None:
        lo, hi = CASELOAD_YEARS[0], CASELOAD_YEARS[-1]
        year = _int(year, "scenario.census_year", lo, hi, f"from {lo} to {hi} (the Januaries of DfE's caseload "
                    "packaged with auditor)")
        if council is not None and year not in years_for(council.old_code):
            have, note = years_for(council.old_code), reorganisation_note(council.old_code)
            raise ScenarioError(f"DfE publishes no caseload for {council.name} in January {year}; it has "
                                f"{have[0]} to {have[-1]}{f' ({note})' if note else ''}", field="scenario.census_year")
    return (council.old_code if council else None), year


def _parse_claim(t: dict) -> Claim:
    _keys(t, ("low", "high", "per", "horizon_years", "basis", "derived", "budget", "scope", "scope_note",
              "source", "note"), "claim")
    vals = {}
    for key in ("low", "high"):
        if key not in t:
            raise ScenarioError("missing; the published figure's low and high ends are required",
                                field=f"claim.{key}")
        try:
            vals[key] = parse_money(t[key])
        except ValueError as exc:
            raise ScenarioError(str(exc), field=f"claim.{key}") from None
        if vals[key] < 0:
            raise ScenarioError(f"must be >= 0, got {t[key]!r}", field=f"claim.{key}")
        if vals[key] > MAX_MONEY:
            # The documented cap on any amount (docs/errors.md, money-too-large): a claim
            # beyond it is a misplaced suffix, and costs could never reach it anyway.
            raise ScenarioError(f"must be at most £{MAX_MONEY / 1e9:,.0f}bn, got {t[key]!r}",
                                field=f"claim.{key}")
    if vals["low"] > vals["high"]:
        raise ScenarioError(f"low ({t['low']!r}) must not exceed high ({t['high']!r})", field="claim")
    per = t.get("per", "year")
    if per not in ("year", "total"):
        raise ScenarioError(f"must be 'year' or 'total', got {per!r}", field="claim.per")
    horizon = _int(t.get("horizon_years", 1), "claim.horizon_years", 1, 100, "from 1 to 100")
    basis = t.get("basis", "stock")
    if basis not in ("stock", "flow"):
        raise ScenarioError(f"must be 'stock' (the current cohort is re-placed) or 'flow' (only new "
                            f"placements each year), got {basis!r}", field="claim.basis")
    derived = t.get("derived", False)
    if not isinstance(derived, bool):
        raise ScenarioError(f"must be true (the figure was worked out from published findings, not published "
                            f"as a claim) or false, got {derived!r}", field="claim.derived")
    budget = t.get("budget", "high_needs")
    if budget not in BUDGET_PARTS:
        raise ScenarioError(f"must be 'high_needs' (the high-needs block), 'dsg' (the whole Dedicated Schools "
                            f"Grant) or 'public' (DSG plus home-to-school transport), got {budget!r}",
                            field="claim.budget")
    scope = t.get("scope", "whole")
    if scope not in SCOPES:
        raise ScenarioError(f"must be 'whole' (the modelled moves produce the whole figure) or 'partial' (they "
                            f"produce only part of it), got {scope!r}", field="claim.scope")
    scope_note = _string(t, "scope_note", "claim")
    if scope == "partial" and not (scope_note or "").strip():
        raise ScenarioError("missing; a partial claim needs `scope_note` saying which part of the figure the "
                            "modelled moves produce and what else it rests on", field="claim.scope_note")
    return Claim(vals["low"], vals["high"], per, horizon, _string(t, "source", "claim"), basis, derived,
                 budget, "budget" in t, scope, scope_note)


def _parse_settings(t: dict) -> tuple[tuple[Setting, ...], dict[str, str], tuple[tuple[str, str], ...]]:
    if not t:
        raise ScenarioError("needs at least two settings, e.g. [settings.mainstream] and "
                            "[settings.state_special]", field="settings")
    out, names, normalised = [], {}, []
    for key, body in t.items():
        f = f"settings.{key}"
        canon = canonical_key(key)
        if not canon:
            raise ScenarioError("a setting needs a non-empty name", field='settings.""')
        if canon in names:
            raise ScenarioError(f"duplicates setting {names[canon]!r} (names are compared ignoring case, "
                                "spaces and hyphens)", field=f)
        if not isinstance(body, dict):
            raise ScenarioError("must be a table with label, cost and cohort", field=f)
        _keys(body, ("label", "cost", "cohort", "new_per_year", "schools_block", "transport", "dfe", "source", "note"),
              f)
        if "cost" not in body:
            raise ScenarioError("missing; the annual cost of one placement is required", field=f"{f}.cost")
        if "cohort" not in body:
            raise ScenarioError("missing; the number of children in this setting is required "
                                "(0 for a destination only)", field=f"{f}.cohort")
        cost = parse_dist(body["cost"], MONEY, f"{f}.cost")
        cohort = _int(_count_text(body["cohort"], f"{f}.cohort"), f"{f}.cohort", 0, 10**9, ">= 0")
        label = _string(body, "label", f) or key.replace("_", " ").capitalize()
        if canon != key:
            normalised.append((key, canon))
        names[canon] = key
        new = body.get("new_per_year")
        if new is not None:
            if isinstance(new, bool) or not isinstance(new, (int, float)) or not (math.isfinite(new) and new >= 0):
                raise ScenarioError(f"must be a number >= 0 (children newly placed here each year), got {new!r}",
                                    field=f"{f}.new_per_year")
            new = float(new)
        parts = {k: parse_dist(body[k], MONEY, f"{f}.{k}") for k in ("schools_block", "transport") if k in body}
        if "dfe" in body:
            from .councils import parse_dfe

            parts["dfe"] = parse_dfe(body["dfe"], f"{f}.dfe")
        out.append(Setting(key, label, cost, cohort, _string(body, "source", f), new, **parts))
    if len(out) < 2:
        raise ScenarioError("needs at least two settings: a move needs somewhere to go", field="settings")
    return tuple(out), names, tuple(normalised)


def _parse_verdict(t: dict) -> VerdictRule:
    _keys(t, ("collapse_below", "hold_at", "max_width_ratio"), "verdict")
    rule = VerdictRule()
    vals = {}
    for key in ("collapse_below", "hold_at"):
        v = t.get(key, getattr(rule, key))
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise ScenarioError(f"must be a probability between 0 and 1, got {v!r}", field=f"verdict.{key}")
        vals[key] = float(v)
    if vals["collapse_below"] > vals["hold_at"]:
        raise ScenarioError(f"must not exceed verdict.hold_at ({vals['hold_at']:g}), got {vals['collapse_below']:g}",
                            field="verdict.collapse_below")
    w = t.get("max_width_ratio", rule.max_width_ratio)
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not (math.isfinite(w) and w > 0):
        raise ScenarioError(f"must be a number > 0, got {w!r}", field="verdict.max_width_ratio")
    return VerdictRule(vals["collapse_below"], vals["hold_at"], float(w))
