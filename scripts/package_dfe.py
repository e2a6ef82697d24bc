"""Build auditor/data/ehcp_*.csv.gz, la_appeal_rates.csv.gz and dbv_councils.csv from DfE's published files.

Usage::

    python scripts/package_dfe.py SOURCE_DIR

SOURCE_DIR holds the files as downloaded from DfE's "Education, health and care
plans" release (explore-education-statistics.service.gov.uk; Open Government
Licence v3.0): the caseload and new-plans tables by setting for every local
authority, and the SEND Tribunal appeal-rate table; plus the list of councils
in the Delivering Better Value programme. The script keeps only the columns
auditor reads, sums the sub-columns it never separates (resourced provision
of every school type, SEN units of every school type), writes DfE's
suppressed cells ("x") as blanks, and gzips the result with a fixed
timestamp so that rebuilding gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "auditor" / "data"

# Output column -> the DfE columns summed into it.
SETTING_COLUMNS = {
    "mainstream_total": ["mainstream_total"],
    "resourced_provision": ["mainstream_la_maintained_resourced_provision",
                            "mainstream_academy_resourced_provision",
                            "mainstream_free_school_resourced_provision"],
    "sen_unit": ["mainstream_la_maintained_senunit", "mainstream_academy_senunit",
                 "mainstream_free_school_senunit"],
    "special_la_maintained": ["special_la_maintained"],
    "special_academy_free": ["special_academy_free"],
    "special_independent": ["special_independent"],
    "special_non_maintained": ["special_non_maintained"],
    "ap_pru_total": ["ap_pru_total"],
    "fe_total": ["fe_total"],
}
LEVELS = {"National": "national", "Regional": "region", "Local authority": "la"}


def _sum(row: dict, cols: list[str]) -> str:
    """The sum of DfE cells, blank if any is suppressed ("x") or missing."""
    total = 0
    for c in cols:
        v = (row.get(c) or "").strip()
        if not v.isdigit():
            return ""
        total += int(v)
    return str(total)


def _gzip_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(buf.getvalue().encode("utf-8"))


def package_settings(src: Path, dst: Path, total_col: str, year_col: str) -> None:
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = [year_col, "level", "region", "old_la_code", "new_la_code", "la_name", "total", *SETTING_COLUMNS]
    out = []
    for r in rows:
        out.append([r["as_at_january"], LEVELS[r["geographic_level"]], r["region_name"], r["old_la_code"],
                    r["new_la_code"], r["la_name"], _sum(r, [total_col]),
                    *(_sum(r, cols) for cols in SETTING_COLUMNS.values())])
    _gzip_csv(dst, header, out)


def package_appeals(src: Path, dst: Path) -> None:
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    header = ["la_code", "la_name", "calendar_year", "appeals_registered", "total_appealable_decisions"]
    out = [[r["la_code"], r["la_name"], r["calendar_year"], _sum(r, ["appeals_registered"]),
            _sum(r, ["total_appealable_decisions"])] for r in rows]
    _gzip_csv(dst, header, out)


def package_dbv(src: Path, dst: Path) -> None:
    with open(src, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cols = ["council_as_published", "tranche", "started", "dfe_la_name", "old_la_code", "new_la_code"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerows([[r[c] for c in cols] for r in rows])
    dst.write_text(buf.getvalue(), encoding="utf-8")


def main(src_dir: str) -> None:
    src = Path(src_dir)
    package_settings(src / "ehcp_caseload_by_setting_all_las_2019_2025.csv", OUT / "ehcp_caseload.csv.gz",
                     "ehcplans", "year")
    package_settings(src / "ehcp_new_plans_by_setting_all_las_2019_2024.csv", OUT / "ehcp_new_plans.csv.gz",
                     "new_ehc_plans", "calendar_year")
    package_appeals(src / "la_appeal_rates_2014_2024.csv", OUT / "la_appeal_rates.csv.gz")
    package_dbv(src / "dbv_councils.csv", OUT / "dbv_councils.csv")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
