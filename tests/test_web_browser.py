"""``auditor serve`` in a real headless Chromium, used as a person would use it.

The app runs in uvicorn on a free loopback port in this process; Selenium
drives Debian's chromium through chromium-driver. The test loads the form,
picks a council (when the DfE data is packaged), waits for the verdict,
moves a what-if control and checks the verdict and chart change, downloads
the brief, and does it all again at phone width (390 px), with screenshots
in ``tests/artifacts/`` (git-ignored; CI may keep them).

Chromium and chromium-driver are required in CI (``CI`` set); elsewhere the
test is skipped when either is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]


def _binaries() -> tuple[str, str]:
    browser = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
    driver = shutil.which("chromedriver")
    if browser and driver:
        return browser, driver
    if os.environ.get("CI"):
        pytest.fail("Chromium and its driver are required in CI: apt-get install -y chromium chromium-driver")
    pytest.skip("chromium or chromedriver not installed (apt-get install -y chromium chromium-driver)")


@pytest.fixture(scope="module")
def server():
    import uvicorn

    from auditor.web.app import create_app

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    srv.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = _binaries()
    tmp_path = tmp_path_factory.mktemp("chromium")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    d.downloads = downloads
    try:
        yield d
    finally:
        d.quit()


def _wait(predicate, what: str, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _click(d, element) -> None:
    """Scroll the element to the middle of the screen, as a person would, and click it for real.

    A real click fails if anything covers the element (on a phone, the verdict bar at the bottom).
    """
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    time.sleep(0.2)  # the IntersectionObserver's callback may hide the verdict bar
    element.click()


def _shot(d, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    # The whole page, not just the first screen: the viewport is made as tall as the content.
    width = d.execute_script("return window.innerWidth")
    height = d.execute_script("return document.documentElement.scrollHeight")
    _viewport(d, width, min(height, 8000))
    d.save_screenshot(str(path))
    return path


def _viewport(d, width: int, height: int) -> None:
    # Emulated rather than a window size: headless windows cannot be narrower than 500 px.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                             "deviceScaleFactor": 1, "mobile": width < 500})


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_audit_a_council_in_the_browser(server, browser, width, height):
    from selenium.webdriver.common.by import By

    d = browser
    _viewport(d, width, height)
    d.get(server)
    verdict = lambda: d.find_element(By.ID, "verdict-word").text  # noqa: E731
    _wait(lambda: verdict().startswith("The claim "), "the first verdict")
    # What no one should see: a script error or a request to anywhere but this server.
    assert d.execute_script("return performance.getEntriesByType('resource')"
                            ".every(function (e) { return e.name.indexOf(location.origin) === 0; })")

    councils = d.execute_script("return document.querySelectorAll('#council-list option').length")
    if councils:
        d.execute_script("document.getElementById('census-year').value = '2023'")
        box = d.find_element(By.ID, "council")
        box.clear()
        box.send_keys("West Sussex (938)")
        _click(d, d.find_element(By.ID, "fill-council"))
        _wait(lambda: "Filled from DfE" in d.find_element(By.ID, "council-status").text, "the council's cohorts")

    d.find_element(By.ID, "claim-low").clear()
    d.find_element(By.ID, "claim-low").send_keys("£17.8m")
    before_sentence = _wait(lambda: d.find_element(By.ID, "verdict-sentence").text, "a verdict sentence")
    _wait(lambda: "stale" not in d.find_element(By.ID, "verdict-card").get_attribute("class"), "a fresh result")
    before_sentence = d.find_element(By.ID, "verdict-sentence").text
    before_chart = d.find_element(By.ID, "chart").get_attribute("innerHTML")
    assert "<path" in before_chart
    assert d.find_elements(By.CSS_SELECTOR, "#ladder tbody tr")
    _shot(d, f"serve-{width}-verdict.png")

    # A what-if: the panel is right about only half the moves it proposed.
    _viewport(d, width, height)
    d.execute_script("var s = document.getElementById('reading'); s.value = 'fixed';"
                     "s.dispatchEvent(new Event('change'));"
                     "var t = document.getElementById('theta'); t.value = '0.5';"
                     "t.dispatchEvent(new Event('input'));")
    _wait(lambda: d.find_element(By.ID, "verdict-sentence").text != before_sentence
          and "stale" not in d.find_element(By.ID, "verdict-card").get_attribute("class"), "the what-if result")
    assert d.find_element(By.ID, "chart").get_attribute("innerHTML") != before_chart
    what_if = d.find_element(By.ID, "verdict-sentence").text

    # The page's address restores it: a fresh load shows the same what-if result.
    link = d.current_url
    assert "#s=" in link
    d.get("about:blank")
    d.get(link)
    _wait(lambda: d.find_element(By.ID, "verdict-sentence").text == what_if, "the restored result")
    assert d.find_element(By.ID, "reading").get_attribute("value") == "fixed"

    # A bad figure: the CLI's words beside the field, and no stale verdict passed off as current.
    low = d.find_element(By.ID, "claim-low")
    low.clear()
    low.send_keys("£17.8q")
    # Clearing the box is itself a change (an empty figure is refused too): wait for the error about the last value.
    err = _wait(lambda: [e for e in d.find_elements(By.CSS_SELECTOR, "#claim-low + .error") if "17.8q" in e.text],
                "the error beside the claim")
    assert err[0].text.startswith("must be a number or a string such as")
    _shot(d, f"serve-{width}-error.png")
    low.clear()
    low.send_keys("£17.8m")
    _wait(lambda: not d.find_elements(By.CSS_SELECTOR, "#claim-low + .error"), "the error to clear")

    _click(d, d.find_element(By.CSS_SELECTOR, "[data-download='brief.pdf']"))
    pdf = _wait(lambda: [p for p in d.downloads.glob("*.pdf")], "the brief to download", seconds=60)
    assert pdf[0].read_bytes()[:5] == b"%PDF-"
    pdf[0].unlink()  # the same browser runs the phone-width pass next
    # No sideways scrolling, even on a phone.
    assert d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_a_claim_on_planned_moves_gets_a_plan_tipping_point(server, browser):
    # Surrey's claim rests on the council's planned places, not on a panel's review: the
    # tipping box speaks of planned moves happening, as the reports do.
    from selenium.webdriver.common.by import By

    d = browser
    _viewport(d, 1280, 900)
    d.get(server)
    _wait(lambda: d.find_element(By.ID, "verdict-word").text.startswith("The claim "), "the first verdict")
    text = lambda: d.find_element(By.ID, "tipping").get_attribute("textContent")  # noqa: E731 (folded on a phone)
    assert "panel" in _wait(text, "West Sussex's tipping point")
    d.execute_script("var s = document.getElementById('example'); s.value = 'surrey-2022';"
                     "s.dispatchEvent(new Event('change'));")
    tip = _wait(lambda: "planned moves" in text() and text(), "Surrey's tipping point")
    assert "panel" not in tip and "% of the planned moves to happen as the council assumes" in tip
    # The page's other words follow: one ladder row (the tribunal readings do not bear on a plan), plan headings.
    rows = d.find_elements(By.CSS_SELECTOR, "#ladder tbody tr")
    assert len(rows) == 1 and "planned move" in rows[0].get_attribute("textContent")
    card = d.find_element(By.ID, "ladder").find_element(By.XPATH, "..").get_attribute("textContent")
    assert "panel" not in card and "Whether the planned moves happen" in card
    assert "panel" not in d.find_element(By.ID, "whatif").get_attribute("textContent")
    # ... and back to a case review, the review's words return.
    d.execute_script("var s = document.getElementById('example'); s.value = 'west-sussex-2023';"
                     "s.dispatchEvent(new Event('change'));")
    _wait(lambda: "panel" in text(), "West Sussex's tipping point again")
    _wait(lambda: len(d.find_elements(By.CSS_SELECTOR, "#ladder tbody tr")) > 1, "the full ladder again")
    assert "How far to trust the panel" in d.find_element(By.ID, "whatif").get_attribute("textContent")
