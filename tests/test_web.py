"""``auditor serve``'s API and limits: parity with the command line, bad input, limits, concurrency, safety.

Parity is checked to the byte: the API's answer is compared with the
``summary.json`` that ``auditor run`` writes for the same scenario file name,
draws and seed. Error bodies are compared with the line the command line
prints. Limits are exercised with small :class:`Limits` so the tests stay fast.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("multipart")

from starlette.testclient import TestClient  # noqa: E402

from auditor.cli import main  # noqa: E402
from auditor.web import service  # noqa: E402
from auditor.web.app import CSP, Busy, Pool, create_app  # noqa: E402
from auditor.web.service import Limits  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WS = ROOT / "scenarios" / "west-sussex-2023.toml"
WS_CASES = ROOT / "scenarios" / "west-sussex-2023-cases.toml"
CSV = ROOT / "scenarios" / "west-sussex-2023.cases.csv"
DOC = ROOT / "docs" / "errors.md"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def cli_summary(tmp_path: Path, files: dict[str, bytes], scenario: str, *args: str) -> str:
    """summary.json from ``auditor run`` in a folder holding ``files``."""
    import os

    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(["run", scenario, "--format", "json", "--out", "out", "--quiet", *args]) == 0
    finally:
        os.chdir(here)
    return (tmp_path / "out" / "summary.json").read_text(encoding="utf-8")


def cli_error(tmp_path: Path, capsys, files: dict[str, bytes], *argv: str) -> str:
    import os

    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        assert main(list(argv)) == 2
    finally:
        os.chdir(here)
    err = capsys.readouterr().err.strip()
    assert err.startswith("auditor: error: ") and "\n" not in err
    return err[len("auditor: error: "):]


# ---- parity with the command line -----------------------------------------------

def test_api_audit_is_summary_json_to_the_byte(client, tmp_path):
    body = WS.read_bytes()
    r = client.post("/api/audit?draws=3000&seed=7", content=body)
    assert r.status_code == 200, r.text
    assert r.text == cli_summary(tmp_path, {"scenario.toml": body}, "scenario.toml", "--draws", "3000",
                                 "--seed", "7")
    s = r.json()
    assert (s["run"]["draws"], s["run"]["seed"], s["run"]["seed_source"]) == (3000, 7, "argument")


def test_api_audit_multipart_with_a_case_list(client, tmp_path):
    toml, csv = WS_CASES.read_bytes(), CSV.read_bytes()
    r = client.post("/api/audit?draws=2000&seed=3",
                    files={"scenario": ("ws.toml", toml), CSV.name: (CSV.name, csv)})
    assert r.status_code == 200, r.text
    assert r.text == cli_summary(tmp_path, {"ws.toml": toml, CSV.name: csv}, "ws.toml", "--draws", "2000",
                                 "--seed", "3")


def test_form_download_reproduces_with_auditor_run(client, tmp_path):
    """The scenario file the app offers, run by ``auditor run`` without options, gives the app's summary."""
    ex = client.get("/api/examples/west-sussex-2023").json()
    state = {"scenario": ex["scenario"], "cases": {}, "draws": 2500, "seed": 11}
    live = client.post("/api/explore", json=state).json()
    toml = client.post("/api/download/scenario.toml", json=state)
    summary = client.post("/api/download/summary.json", json=state)
    name = re.search(r'filename="([^"]+)"', toml.headers["content-disposition"]).group(1)
    assert toml.text == live["toml"] and name == live["name"]
    expected = cli_summary(tmp_path, {name: toml.content}, name)
    assert summary.text == expected
    assert live["summary"] == json.loads(expected)


def test_form_with_an_uploaded_case_list(client):
    ex = client.get("/api/examples/west-sussex-2023-cases").json()
    assert list(ex["cases"]) == [CSV.name]
    r = client.post("/api/explore", json={"scenario": ex["scenario"], "cases": ex["cases"], "draws": 1000,
                                          "seed": 1})
    assert r.status_code == 200, r.text
    assert f'cases = "{CSV.name}"' in r.json()["toml"]


def test_the_children_sentence_is_the_reports_own(client):
    # The form's "children would have to move" line is report.html's sentence, so a claim on planned
    # moves (Surrey) is not described as a review's proposals.
    import auditor
    from auditor.report.plain import implied_sentences

    ex = client.get("/api/examples/surrey-2022").json()
    live = client.post("/api/explore", json={"scenario": ex["scenario"], "cases": ex["cases"], "draws": 1000,
                                             "seed": 1}).json()
    r = auditor.audit("scenarios/surrey-2022.toml", draws=1000, seed=1)
    assert live["sentences"]["moves"] == implied_sentences(r.summary(), r.scenario, ends=("low",))[0]
    assert "review" not in live["sentences"]["moves"]


# ---- bad input: 400 with the command line's line ---------------------------------

def test_bad_scenario_gives_the_cli_line(client, tmp_path, capsys):
    bad = WS.read_text(encoding="utf-8").replace('low = "£17.8m"', 'low = "£17.8q"').encode()
    r = client.post("/api/audit", content=bad)
    assert r.status_code == 400
    assert r.json()["error"] == cli_error(tmp_path, capsys, {"scenario.toml": bad}, "run", "scenario.toml")
    assert r.json()["field"] == "claim.low"


def test_bad_query_and_bad_json(client):
    r = client.post("/api/audit?draws=lots", content=WS.read_bytes())
    assert r.status_code == 400
    assert r.json()["error"] == "draws: must be a whole number such as 100000 or 100,000, got 'lots'"
    r = client.post("/api/explore", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith("the request body is not JSON")


@pytest.mark.parametrize("cases", ["/etc/passwd", "../scenarios/west-sussex-2023.cases.csv", CSV.name])
def test_no_server_path_is_ever_read(client, cases):
    # The case list sits beside the scenario in the source folder: still never read.
    text = WS_CASES.read_text(encoding="utf-8").replace(f'cases = "{CSV.name}"', f'cases = "{cases}"')
    r = client.post("/api/audit?draws=100", content=text.encode())
    assert r.status_code == 400
    assert f"sample.cases: no uploaded case list is named {cases!r} (uploaded: none)" in r.json()["error"]


# ---- limits ---------------------------------------------------------------------------

def small_client(**limits) -> TestClient:
    return TestClient(create_app(Limits(**limits)))


def test_body_size_limit():
    with small_client(body_bytes=1000) as c:
        r = c.post("/api/audit", content=WS.read_bytes())
    assert r.status_code == 413
    assert r.json()["error"] == "the request body is larger than this server's limit of 1,000 bytes"


def test_draws_limit_is_refused_before_any_work(client):
    t = time.perf_counter()
    r = client.post("/api/audit?draws=2000000", content=WS.read_bytes())
    assert r.status_code == 400 and time.perf_counter() - t < 5  # refused, not run (2M draws take ~10 s)
    assert r.json()["error"] == ("draws: must be a whole number from 1 to 1,000,000 on this server (run "
                                 "`auditor run` on your own computer for more), got 2,000,000")


def test_cases_row_limit():
    rows = "case_id,current,ideal\n" + "".join(f"{i},state special,mainstream\n" for i in range(30))
    with small_client(cases=20) as c:
        r = c.post("/api/audit?draws=100", files={"scenario": ("s.toml", WS_CASES.read_bytes()),
                                                  CSV.name: (CSV.name, rows.encode())})
    assert r.status_code == 400
    assert r.json()["error"] == (f"{CSV.name}: has 30 cases; auditor serve takes at most 20 (run `auditor run` "
                                 "on your own computer for more)")


def test_pool_refuses_beyond_its_queue_and_its_time():
    import asyncio

    release = threading.Event()
    pool = Pool(Limits(workers=1, queue=0, seconds=0.2))

    async def scenario():
        first = asyncio.ensure_future(pool.run(release.wait, 5))
        await asyncio.sleep(0.05)
        with pytest.raises(Busy, match="the server is busy; try again in a moment"):
            await pool.run(lambda: None)
        with pytest.raises(Busy, match=r"no answer within 0.2 s"):
            await first
        release.set()

    asyncio.run(scenario())
    pool.executor.shutdown(wait=True)
    assert pool.pending == 0


def test_eight_people_at_once_all_get_answers():
    """Eight concurrent audits on a real server with two workers: all answered, each exactly as alone."""
    import urllib.request

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.02)
        body = WS.read_bytes()

        def ask(seed: int) -> tuple[int, str]:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/api/audit?draws=5000&seed={seed}", data=body,
                                         method="POST")
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8")

        with ThreadPoolExecutor(8) as ex:
            answers = list(ex.map(ask, [1, 2, 3, 4, 1, 2, 3, 4]))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    assert [a[0] for a in answers] == [200] * 8
    assert answers[:4] == answers[4:]  # same seed, same bytes, whatever ran beside it
    assert len({a[1] for a in answers}) == 4


# ---- safety ---------------------------------------------------------------------------

def test_every_response_has_the_security_headers(client):
    for r in (client.get("/"), client.get("/static/app.js"), client.get("/api/councils"),
              client.post("/api/audit", content=b"x"), client.get("/methods")):
        assert r.headers["content-security-policy"] == CSP
        assert r.headers["x-content-type-options"] == "nosniff"
    page = client.get("/").text
    assert "<script>" not in page and 'src="/static/app.js"' in page  # no inline script for CSP to allow
    assert not re.search(r"(src|href)=\"(https?:)?//", page)          # nothing fetched from elsewhere


def test_other_host_names_are_refused_on_loopback(client):
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400


def test_reports_are_written_only_to_a_removed_temporary_folder(client, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ex = client.get("/api/examples/west-sussex-2023").json()
    state = {"scenario": ex["scenario"], "draws": 1000, "seed": 1}
    r = client.post("/api/download/report.html", json=state)
    assert r.status_code == 200 and r.text.lstrip().startswith("<!DOCTYPE html>".lower()) or "<html" in r.text
    assert list(tmp_path.iterdir()) == []


def test_scenario_text_is_escaped_in_every_page(client):
    ex = client.get("/api/examples/west-sussex-2023").json()
    ex["scenario"]["scenario"]["title"] = "<script>alert(1)</script>"
    state = {"scenario": ex["scenario"], "draws": 1000, "seed": 1}
    html = client.post("/api/download/report.html", json=state).text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_councils_answers_whether_or_not_data_is_packaged(client):
    r = client.get("/api/councils")
    assert r.status_code == 200
    data = r.json()
    assert isinstance(data["available"], bool)
    if data["available"]:
        ws = next(c for c in data["councils"] if c["code"] == "938")
        assert ws["name"] == "West Sussex"


def test_serve_names_a_port_in_use(capsys):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.listen()
    try:
        assert main(["serve", "--no-open", "--port", str(port)]) == 2
    finally:
        sock.close()
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"auditor: error: --port: cannot listen on 127.0.0.1:{port}: ")
    assert err.endswith("; choose another with --port (or --host)")


def test_cli_start_up_does_not_import_the_web_stack():
    import subprocess
    import sys

    code = "import sys, auditor.cli; sys.exit(any(m in sys.modules for m in ('starlette', 'uvicorn', 'auditor.web')))"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def test_toml_writer_round_trips_every_shipped_scenario():
    import tomllib

    from auditor.web.toml_text import dumps

    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        assert tomllib.loads(dumps(doc)) == doc, path.name


# ---- the catalogue --------------------------------------------------------------------

def test_web_errors_are_in_the_catalogue():
    """Each web message tested above is quoted in docs/errors.md's web section."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## The web app"):]
    for fragment in ("has 30 cases; auditor serve takes at most 20",
                     "scenario.toml:77: sample.cases: no uploaded case list is named "
                     "'west-sussex-2023.cases.csv' (uploaded: none); upload the CSV with the scenario",
                     "must be a whole number from 1 to 1,000,000 on this server",
                     "the request body is larger than this server's limit of",
                     "the server is busy; try again in a moment",
                     "no answer within",
                     "cannot listen on 127.0.0.1:8765",
                     "must be a whole number such as 100000 or 100,000, got 'lots'"):
        assert fragment in section, fragment


def _request_refusals(client, monkeypatch) -> list[str]:
    """Each request of docs/errors.md's `web-request-invalid` entry, and the error line it gets (HTTP 400)."""
    from strategies import base_scenario

    doc = base_scenario()
    state = {"scenario": doc, "draws": 200, "seed": 1}
    answers = [
        client.post("/api/explore", json=[1]),
        client.post("/api/explore", json={**state, "cases": {"a.csv": 1}}),
        client.post("/api/explore", json={**state, "scenario": {**doc, "scenario": {"title": None}}}),
        client.post("/api/download/report.docx", json=state),
        client.post("/api/download/cases.csv", json=state),
        client.post("/api/audit", files={"scenarios": ("s.toml", b"x")}),
    ]
    with monkeypatch.context() as m:
        m.setattr("auditor.web.councils._data", lambda: None)   # a copy without the DfE tables
        answers.append(client.get("/api/councils/938?settings=a,b"))
    lines = []
    for r in answers:
        assert r.status_code == 400, r.text
        body = r.json()
        assert body["field"] and body["error"] == f"{body['field']}: {body['message']}"
        lines.append(body["error"])
    return lines


def test_request_refusals_are_the_catalogues(client, monkeypatch):
    section = DOC.read_text(encoding="utf-8").split("### `web-request-invalid`")[1].split("\n### ")[0]
    block = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    assert _request_refusals(client, monkeypatch) == [json.loads(x)["error"] for x in block.strip().splitlines()]
