"""Response times of ``auditor serve``: ``POST /api/audit`` and ``POST /api/explore`` at the app's default draws.

Starts the app on a free loopback port in this process, sends ``--requests``
sequential requests for a shipped scenario (after a few warm-up requests),
then ``--concurrent`` at once, and prints p50/p95/max in milliseconds.

    python bench/serve_latency.py [--scenario scenarios/west-sussex-2023.toml] [--requests 40]

Every request goes to 127.0.0.1 only; the loops are bounded in count.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def main() -> None:
    import tomllib

    import uvicorn

    from auditor.web.app import create_app
    from auditor.web.service import DEFAULT_DRAWS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/west-sussex-2023.toml")
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--concurrent", type=int, default=8)
    ap.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    args = ap.parse_args()

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    body = Path(args.scenario).read_bytes()
    doc = tomllib.loads(body.decode("utf-8"))
    counter = iter(range(10**6))

    def state() -> bytes:
        # A different take-up each time, as a slider moves: the app's cache of recent audits never answers.
        doc.setdefault("implementation", {})["realisation"] = 1 - next(counter) * 1e-4
        return json.dumps({"scenario": doc, "draws": args.draws, "seed": 2023}).encode("utf-8")

    def post(path: str, data, ctype: str) -> float:
        data = data() if callable(data) else data
        t = time.perf_counter()
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST",
                                     headers={"content-type": ctype})
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
            assert resp.status == 200
        return (time.perf_counter() - t) * 1000

    audit = (f"/api/audit?draws={args.draws}&seed=2023", body, "application/toml")
    explore = ("/api/explore", state, "application/json")  # a new state per request
    try:
        for _ in range(3):
            post(*audit)
            post(*explore)
        for name, call in (("/api/audit", audit), ("/api/explore", explore)):
            times = [post(*call) for _ in range(args.requests)]
            print(f"{name} {args.draws:,} draws, {args.requests} sequential: p50 {statistics.median(times):.0f} ms, "
                  f"p95 {_percentile(times, 0.95):.0f} ms, max {max(times):.0f} ms")
            with ThreadPoolExecutor(args.concurrent) as ex:
                t0 = time.perf_counter()
                times = list(ex.map(lambda _: post(*call), range(args.concurrent)))
                wall = (time.perf_counter() - t0) * 1000
            print(f"{name} {args.concurrent} at once: all answered; slowest {max(times):.0f} ms, "
                  f"p50 {statistics.median(times):.0f} ms, wall {wall:.0f} ms")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


if __name__ == "__main__":
    main()
