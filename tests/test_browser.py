"""report.html in a real headless Chromium: verdict visible, charts readable on a phone, no requests, screenshots.

The page itself carries no script (its Content-Security-Policy forbids any).
The test copies it, allows inline script in the copy's policy, and appends a
probe that runs on ``load`` and writes what it measured into the DOM, which
``chromium --dump-dom`` prints. No browser-driver package is needed.

Chromium is required in CI (``CI`` set): there a missing browser fails the
test; on a developer's machine without it the test is skipped.
Set ``AUDITOR_SCREENSHOT_DIR`` to keep the screenshots (e.g. as CI artefacts).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import auditor
from auditor.report import write_outputs

pytestmark = pytest.mark.browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-extensions", "--mute-audio"]

PROBE = """
<script>
// Runs in the wrapper page; the report itself is unchanged inside an iframe of exactly the tested width
// (headless Chromium windows cannot be narrower than 500 px, a phone is 390).
document.getElementById("page").addEventListener("load", function () {
  var frame = document.getElementById("page"), win = frame.contentWindow, doc = frame.contentDocument;
  var v = doc.getElementById("verdict-sentence");
  var r = v.getBoundingClientRect(), cs = win.getComputedStyle(v);
  var imgs = Array.prototype.map.call(doc.images, function (i) {
    return {complete: i.complete, naturalWidth: i.naturalWidth, alt: i.alt.length};
  });
  // Every fold-out opened, so the tables and figures inside them are measured too.
  Array.prototype.forEach.call(doc.querySelectorAll("details"), function (d) { d.open = true; });
  var charts = Array.prototype.map.call(doc.querySelectorAll("svg.chart"), function (svg) {
    var box = svg.getBoundingClientRect();
    var sizes = Array.prototype.map.call(svg.querySelectorAll("text"), function (t) {
      // The size the reader sees: the font size in the SVG's units times the SVG's scale on screen.
      var m = t.getScreenCTM();
      return parseFloat(win.getComputedStyle(t).fontSize) * Math.sqrt(m.a * m.a + m.b * m.b);
    });
    return {width: box.width, label: (svg.getAttribute("aria-label") || "").length, texts: sizes.length,
            smallest: Math.min.apply(null, sizes)};
  });
  var cut = [];
  Array.prototype.forEach.call(doc.querySelectorAll("main td, main th, main p, main li"), function (c) {
    if (c.closest("thead")) { return; }  // a stacked table's header row is hidden on purpose
    var b = c.getBoundingClientRect();
    if (b.width > 1 && b.right > win.innerWidth + 1) { cut.push(c.textContent.trim().slice(0, 60)); }
  });
  var out = {
    verdict: v.innerText, visible: r.width > 0 && r.height > 0 && cs.visibility !== "hidden" &&
      cs.display !== "none" && parseFloat(cs.opacity) > 0,
    images: imgs, charts: charts, cut: cut,
    requests: win.performance.getEntriesByType("resource").map(function (e) { return e.name; }),
    scrollWidth: doc.documentElement.scrollWidth, innerWidth: win.innerWidth,
    scrollHeight: doc.documentElement.scrollHeight
  };
  var pre = document.createElement("pre");
  pre.id = "probe-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>
"""


def wrapper(page: Path, width: int, height: int, script: str = "") -> str:
    """A page holding the report, unchanged, in an iframe of exactly ``width`` × ``height`` CSS px."""
    doc = html.escape(page.read_text(encoding="utf-8"), quote=True)
    return (f'<!DOCTYPE html><html><body style="margin:0"><iframe id="page" style="border:0;display:block" '
            f'width="{width}" height="{height}" srcdoc="{doc}"></iframe>{script}</body></html>')


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI: apt-get install -y chromium")
    pytest.skip("Chromium not installed (apt-get install -y chromium); required when CI is set")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    r = auditor.audit("scenarios/west-sussex-2023.toml", draws=2000, seed=11)
    out = write_outputs(r, tmp_path_factory.mktemp("browser") / "report", ("html",))
    return out / "report.html"


def run_browser(binary: str, args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120)


def probe(binary: str, page: Path, tmp_path: Path, width: int, height: int) -> dict:
    copy = tmp_path / f"probe-{width}.html"
    copy.write_text(wrapper(page, width, height, PROBE), encoding="utf-8")
    # A window wider than the frame: the frame, not the window, is the page's viewport.
    done = run_browser(binary, [f"--window-size={max(width, 500) + 40},{height + 40}", "--virtual-time-budget=15000",
                                "--dump-dom", copy.as_uri()], tmp_path / f"profile-{width}")
    m = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, re.S)
    assert m, f"probe did not run; chromium exit {done.returncode}: {done.stderr[-2000:]}"
    return json.loads(html.unescape(m.group(1)))


def screenshot(binary: str, page: Path, tmp_path: Path, width: int, height: int) -> Path:
    shot = tmp_path / f"report-{width}.png"
    frame = tmp_path / f"shot-{width}.html"
    frame.write_text(wrapper(page, width, height), encoding="utf-8")
    done = run_browser(binary, [f"--window-size={width},{height}", f"--screenshot={shot}", frame.as_uri()],
                       tmp_path / f"shot-profile-{width}")
    assert shot.exists() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("AUDITOR_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    return shot


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])  # desktop and a phone
def test_report_in_chromium(report, tmp_path, width, height):
    binary = chromium()
    seen = probe(binary, report, tmp_path, width, height)
    expected = re.search(r'<p id="verdict-sentence">(.*?)</p>', report.read_text(encoding="utf-8"), re.S)
    assert seen["visible"]
    assert " ".join(seen["verdict"].split()) == " ".join(html.unescape(expected.group(1)).split())
    # Every figure in the file as inline SVG (three, plus the track chart for a scenario that names its council).
    assert seen["images"] == []
    assert len(seen["charts"]) == report.read_text(encoding="utf-8").count('class="chart"') >= 3
    for chart in seen["charts"]:
        assert chart["label"] > 40 and chart["texts"] >= 5  # described, and its words are real text
        assert 0 < chart["width"] <= width
        # Readable without zooming: no chart text under 10 CSS px, on a phone as on a desktop.
        assert chart["smallest"] >= 10, chart
    assert seen["requests"] == []  # nothing fetched: figures inline, styles inline
    assert seen["innerWidth"] == width
    # No sideways scrolling, even on a phone with every fold-out open, and no text or table cell cut off.
    assert seen["scrollWidth"] <= seen["innerWidth"] + 1
    assert seen["cut"] == []
    screenshot(binary, report, tmp_path, width, 2400)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", sorted(p.name for p in Path("scenarios").glob("*.toml")))
def test_every_shipped_report_reads_on_a_phone(scenario, tmp_path):
    # The phone checks of the main test, on every shipped scenario: its own notes, labels and sources.
    binary = chromium()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a scenario's small-sample notice is not what this test is about
        r = auditor.audit(f"scenarios/{scenario}", draws=500, seed=11)
    page = write_outputs(r, tmp_path / "report", ("html",)) / "report.html"
    seen = probe(binary, page, tmp_path, 390, 844)
    assert seen["innerWidth"] == 390 and seen["scrollWidth"] <= 391 and seen["cut"] == []
    assert seen["charts"] and min(c["smallest"] for c in seen["charts"]) >= 10
