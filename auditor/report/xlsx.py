"""``report.xlsx``: the audit as a spreadsheet for council finance teams.

Five sheets: ``summary`` (the run, the claim, the audited savings and the
verdict), ``ladder`` (the point estimate and each stage of the audit),
``reliability`` (the audit under each reading of the panel's judgements),
``inputs`` (settings, the case review's counts and the other inputs) and
``sources`` (where every figure comes from). Money is in pounds with a
``£#,##0`` format, chances are fractions with a percentage format, so the
cells calculate as numbers.

Written with openpyxl (the optional ``xlsx`` extra), imported only here. Two
things make the bytes depend on the seed and draws alone: the document's
created and modified times are fixed (:data:`FIXED_TIME`), and the zip is
rewritten with a fixed time on every member (openpyxl stamps the time of
saving on both). Every text cell goes through :func:`auditor.safetext.csv_cell`,
so scenario text starting with ``= + - @`` is never read as a formula.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any, Iterable

from ..errors import UsageError
from ..safetext import csv_cell, for_terminal

__all__ = ["FIXED_TIME", "require_openpyxl", "xlsx_bytes", "write_xlsx"]

#: The created/modified time written into every workbook (and the zip's member
#: times): the run's seed and draws fix the content, so the time must not vary.
FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)

MONEY = '"£"#,##0'
CHANCE = "0.0%"
INSTALL = "pip install 'auditor[xlsx]'"


def require_openpyxl(option: str = "--format"):
    """The openpyxl module, or a :class:`UsageError` saying how to install the ``xlsx`` extra."""
    try:
        import openpyxl
    except ImportError:
        raise UsageError(f"xlsx needs the optional openpyxl package, which is not installed; install it with "
                         f"{INSTALL} (or pip install openpyxl)", field=option) from None
    return openpyxl


def _cell(value: Any) -> Any:
    """A value as a safe cell: text without control characters and never a formula; numbers unchanged."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # Control characters are illegal in the sheet's XML; show them as escapes, as on a terminal.
    return csv_cell(for_terminal(value))


class _Sheet:
    """Rows appended one at a time, each cell with an optional number format."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.widths: dict[int, int] = {}

    def row(self, *cells: Any, formats: Iterable[str | None] = (), bold: bool = False) -> None:
        from openpyxl.styles import Font

        formats = list(formats) + [None] * (len(cells) - len(list(formats)))
        self.ws.append([_cell(c) for c in cells])
        r = self.ws.max_row
        for j, (value, fmt) in enumerate(zip(cells, formats), start=1):
            cell = self.ws.cell(row=r, column=j)
            if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = fmt
            if bold:
                cell.font = Font(bold=True)
            shown = len(str(value)) if value is not None else 0
            self.widths[j] = max(self.widths.get(j, 8), min(shown + 2, 80))

    def blank(self) -> None:
        self.ws.append([])

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for j, w in self.widths.items():
            self.ws.column_dimensions[get_column_letter(j)].width = w
        self.ws.freeze_panes = None


def _summary_sheet(sh: _Sheet, s: dict) -> None:
    from ..inputs.money import format_per

    c, run, sv = s["claim"], s["run"], s["savings"]
    per = format_per(c["per"])
    sh.row("item", "value", bold=True)
    rows: list[tuple[str, Any, str | None]] = [
        ("Scenario", s["scenario"]["title"], None),
        ("Council", s["scenario"].get("authority"), None),
        ("Scenario file", s["scenario"]["path"], None),
        ("Scenario file SHA-256", s["scenario"]["sha256"], None),
        ("auditor version", s["auditor_version"], None),
        ("Draws", run["draws"], "#,##0"),
        ("Seed", run["seed"], None),
        ("Seed from", run["seed_source"], None),
        ("Overrides (--set)", "; ".join(f"{k}={v}" for k, v in run["overrides"].items()) or "none", None),
        ("Command that reproduces this run", run["command"], None),
        (f"Claim, low end (£ {per})", c["low"], MONEY),
        (f"Claim, high end (£ {per})", c["high"], MONEY),
        ("Claim is per", c["per"], None),
        ("Budget counted against", c["budget"], None),
        ("Point estimate (published method)", s["point_estimate"], MONEY),
        ("Audited savings: mean", sv["mean"], MONEY),
        ("Audited savings: median", sv["median"], MONEY),
        ("Audited savings: 5th percentile", sv["p05"], MONEY),
        ("Audited savings: 95th percentile", sv["p95"], MONEY),
        ("Chance of reaching the low end", s["p_meets_low"], CHANCE),
        ("Chance of reaching the high end", s["p_meets_high"], CHANCE),
        ("Verdict", s["verdict"], None),
        ("Why", s["verdict_reason"], None),
    ]
    for label, value, fmt in rows:
        sh.row(label, value, formats=(None, fmt))
    for i, sentence in enumerate(s["headline"], start=1):
        sh.row(f"Headline {i}", sentence)
    for w in s["warnings"]:
        sh.row("Warning", w)


def _ladder_sheet(sh: _Sheet, s: dict) -> None:
    sh.row("stage", "mean (£)", "median (£)", "5th percentile (£)", "95th percentile (£)",
           "chance of the low end", "chance of the high end", bold=True)
    for st in s["stages"]:
        sh.row(st["name"], st["mean"], st["median"], st["p05"], st["p95"], st["p_meets_low"], st["p_meets_high"],
               formats=(None, MONEY, MONEY, MONEY, MONEY, CHANCE, CHANCE))


def _reliability_sheet(sh: _Sheet, s: dict) -> None:
    sh.row("reading", "what it assumes", "median (£)", "5th percentile (£)", "95th percentile (£)",
           "chance of the low end", "chance of the high end", "the audit's own reading", bold=True)
    for row in (s.get("judgement") or {}).get("ladder") or []:
        sh.row(row["name"], row.get("label"), row["median"], row["p05"], row["p95"], row["p_meets_low"],
               row["p_meets_high"], "yes" if row.get("main") else "",
               formats=(None, None, MONEY, MONEY, MONEY, CHANCE, CHANCE))
    note = (s.get("judgement") or {}).get("ladder_note")
    if note:  # a claim built on planned moves: the tribunal readings do not bear on it
        sh.blank()
        sh.row("Note", note[0].upper() + note[1:] + ".")


def _inputs_sheet(sh: _Sheet, d: dict, result) -> None:
    sh.row("setting", "label", "children", "mean annual cost (£)", "cost as written", "source", bold=True)
    for st in d["settings"]:
        cost = st["cost"]
        written = cost.get("written")
        sh.row(st["key"], st["label"], st["cohort"], cost["mean"],
               written if isinstance(written, (str, int, float)) else _dist_words(cost), st.get("source"),
               formats=(None, None, "#,##0", MONEY))
    sh.blank()
    reports = getattr(result.scenario.sample, "reports", None) or ()
    if reports:
        sh.row("case review finding: from", "to", "share of the reviewed cases there", "cases", bold=True)
        for rep in reports:
            sh.row(rep.current, rep.ideal, rep.share, rep.count, formats=(None, None, CHANCE))
    else:
        sh.row("case review: from", "to", "cases", bold=True)
        for row in d["sample"]["counts"]:
            sh.row(row["current"], row["ideal"], row["count"])
    sh.blank()
    sh.row("other input", "value", bold=True)
    real = d["implementation"]["realisation"]
    for label, value in (("cases reviewed", d["sample"]["n_cases"]), ("case review form", d["sample"]["form"]),
                         ("resampling method", d["sample"]["method"]), ("prior", d["sample"]["prior"]),
                         ("judgement reading", d["judgement"].get("model")),
                         ("take-up (mean share of moves made)", real["mean"])):
        sh.row(label, value, formats=(None, CHANCE if label.startswith("take-up") else None))


def _dist_words(dist: dict) -> str:
    """A resolved distribution as ``kind(p=v, ...)``."""
    params = ", ".join(f"{k}={v:g}" for k, v in dist.items()
                       if k not in ("dist", "mean", "source", "written") and isinstance(v, (int, float)))
    return f"{dist['dist']}({params})"


def _sources_sheet(sh: _Sheet, d: dict, s: dict) -> None:
    from ..inputs.evidence import citations

    sh.row("used for", "source", bold=True)
    sh.row("the claim", d["claim"].get("source"))
    for text in d["scenario"]["sources"]:
        sh.row("the scenario", text)
    for st in d["settings"]:
        if st.get("source"):
            sh.row(f"setting {st['key']}", st["source"])
        for part in ("cost", "schools_block", "transport"):
            if isinstance(st.get(part), dict) and st[part].get("source"):
                sh.row(f"setting {st['key']}: {part}", st[part]["source"])
    if d["sample"].get("source"):
        sh.row("the case review", d["sample"]["source"])
    for what, text, url in citations((s.get("judgement") or {}).get("evidence", [])):
        sh.row(f"evidence: {what}", f"{text}. {url}")


def xlsx_bytes(result, summary: dict | None = None) -> bytes:
    """The bytes of ``report.xlsx`` for ``result``: the same for the same scenario, seed and draws."""
    openpyxl = require_openpyxl()
    from .data import inputs_dict

    s = result.summary() if summary is None else summary
    d = inputs_dict(result)
    wb = openpyxl.Workbook()
    sheets = {name: _Sheet(wb.active if i == 0 else wb.create_sheet())
              for i, name in enumerate(("summary", "ladder", "reliability", "inputs", "sources"))}
    for name, sh in sheets.items():
        sh.ws.title = name
    _summary_sheet(sheets["summary"], s)
    _ladder_sheet(sheets["ladder"], s)
    _reliability_sheet(sheets["reliability"], s)
    _inputs_sheet(sheets["inputs"], d, result)
    _sources_sheet(sheets["sources"], d, s)
    for sh in sheets.values():
        sh.finish()
    wb.properties.creator = "auditor"
    wb.properties.title = for_terminal(s["scenario"]["title"], keep_newlines=False)
    wb.properties.created = FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip(data: bytes) -> bytes:
    """``data`` (an xlsx zip) with every member's time and the document's modified time set to :data:`FIXED_TIME`."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                # openpyxl's save stamps the current time here, whatever the workbook says.
                body = _MODIFIED.sub(lambda m: m.group(1) + stamp + m.group(2), body)
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            dst.writestr(member, body)
    return out.getvalue()


def write_xlsx(result, path: str | Path, summary: dict | None = None) -> Path:
    """Write ``report.xlsx`` to ``path`` (see :func:`xlsx_bytes`)."""
    path = Path(path)
    path.write_bytes(xlsx_bytes(result, summary))
    return path
