"""``auditor serve`` under hostile requests: every answer is a 4xx/503 with one JSON error, never a 500.

The requests are what an attacker or a broken client could send: bodies that are
not JSON or are nested 100,000 deep, scenarios with every value replaced by
something of the wrong type or size, bad query strings, path tricks, broken
multipart uploads. A short Hypothesis run mutates the form's state at random;
``bench/fuzz.py --kinds web`` runs the same mutations for longer.
"""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("starlette")
pytest.importorskip("multipart")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from auditor.web.app import create_app  # noqa: E402
from auditor.web.service import Limits  # noqa: E402
from strategies import base_scenario  # noqa: E402

HOSTILE = [None, True, 1e308, -1, 2**70, "", "x" * 5000, [], {}, [[[]]], {"a": None}, "\x00\x1b[2J",
           "$\\frac$", "=HYPERLINK()", [1, "a", None], {"dist": "uniform"}, {"dist": "uniform", "low": None},
           0, 5e-324]


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Limits(draws=5_000, seconds=30)), raise_server_exceptions=False) as c:
        yield c


def assert_refused_cleanly(r) -> None:
    """A client error (or 503 busy) with a one-line JSON error, or a success."""
    assert r.status_code < 500 or r.status_code == 503, (r.status_code, r.text[:300])
    if r.status_code == 404 and r.headers["content-type"].startswith("text/plain"):
        return  # the router's own "Not Found" for a path no route has
    if r.status_code >= 400:
        message = r.json()["error"]
        assert "\n" not in message and "Traceback" not in message and "internal error" not in message


@pytest.mark.parametrize("body", [
    b"", b"null", b"[]", b"1", b'"s"', b"{", b'{"scenario": null}', b'{"scenario": []}', b'{"scenario": {}}',
    # Fits the body limit, but used to overflow json.loads' stack (RecursionError -> 500).
    b"[" * 100_000 + b"]" * 100_000,
    b'{"scenario": {"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}}",
    b"\xff\xfe", b'{"scenario": {}, "cases": {"a": "\\u0000"}}', b'{"scenario": {"run": NaN}}',
])
@pytest.mark.parametrize("url", ["/api/explore", "/api/download/report.html", "/api/audit",
                                 "/api/audit?draws=99999999999999999999"])
def test_hostile_bodies_are_refused_without_a_500(client, url, body) -> None:
    r = client.post(url, content=body, headers={"content-type": "application/json"})
    assert_refused_cleanly(r)
    if body.startswith(b"[" * 1000) and url == "/api/explore":
        assert r.status_code == 400 and "nested too deeply" in r.json()["error"]


@pytest.mark.parametrize("url", [
    "/api/examples/..%2f..%2fetc", "/api/examples/%00", "/api/councils?year=-1",
    "/api/councils?year=99999999999999999999999", "/api/councils?year=x", "/api/councils/%00",
    "/api/councils/" + "9" * 5000, "/api/councils/938?year=1900", "/api/councils/938?settings=" + ",a" * 100,
    "/static/../../etc/passwd", "/static/%2e%2e/app.py", "/methods?x=" + "a" * 10_000,
])
def test_hostile_gets_are_refused_without_a_500(client, url) -> None:
    assert_refused_cleanly(client.get(url))


@pytest.mark.parametrize("files", [
    {"scenario": ("s.toml", b"\xff\xfe")},
    {"other": ("s.toml", b"schema_version = 1\n")},
    {"scenario": ("../../etc/passwd", b"a = ["), "cases.csv": ("../x.csv", b"\xff")},
    {"scenario": ("", b"")},
])
def test_hostile_uploads_are_refused_without_a_500(client, files) -> None:
    assert_refused_cleanly(client.post("/api/audit?draws=200", files=files))


def test_broken_multipart_is_refused_without_a_500(client) -> None:
    for content, kind in [(b"--x\r\nbroken", "multipart/form-data; boundary=x"), (b"abc", "multipart/form-data")]:
        assert_refused_cleanly(client.post("/api/audit", content=content, headers={"content-type": kind}))


def _paths(doc: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for key, value in doc.items():
        out.append(prefix + (key,))
        if isinstance(value, dict):
            out.extend(_paths(value, prefix + (key,)))
    return out


BASE = base_scenario(run={"draws": 200, "seed": 1})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(_paths(BASE)), value=st.sampled_from(HOSTILE),
       draws=st.sampled_from([200, 0, -1, 2.5, "x", None, 10**9, True]),
       seed=st.sampled_from([1, -1, "x", 2**64, None]),
       kind=st.sampled_from(["/api/explore", "/api/download/summary.json", "/api/download/scenario.toml",
                             "/api/download/cases.csv"]))
def test_mutated_form_states_never_give_a_500(client, where, value, draws, seed, kind) -> None:
    doc = copy.deepcopy(BASE)
    node = doc
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    state = {"scenario": doc, "draws": draws, "seed": seed}
    r = client.post(kind, content=json.dumps(state), headers={"content-type": "application/json"})
    assert_refused_cleanly(r)


def test_the_malformed_body_messages_are_in_the_catalogue(client) -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "errors.md").read_text(encoding="utf-8")
    section = doc[doc.index("## The web app"):]
    answers = [client.post("/api/explore", content=b"{", headers={"content-type": "application/json"}),
               client.post("/api/explore", content=b"[" * 100_000 + b"]" * 100_000,
                           headers={"content-type": "application/json"}),
               client.post("/api/audit", content=b"abc", headers={"content-type": "multipart/form-data"})]
    for r in answers:
        assert r.status_code == 400
        message = r.json()["error"]
        assert message.split(":")[0] in section, message
    assert answers[1].json()["error"] in section and answers[2].json()["error"] in section
