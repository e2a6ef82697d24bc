"""The Starlette application behind ``auditor serve``.

Pages: ``/`` (the guided form with live results) and ``/methods`` (the
methods document, served from the source folder). JSON API:

``POST /api/audit?draws=N&seed=S``
    A scenario TOML body, or a ``multipart/form-data`` upload with the
    scenario in the part named ``scenario`` and each case list it names as a
    file part of that name → 200 and exactly the text of ``summary.json``
    from ``auditor run --draws N --seed S``; bad input → 400
    ``{"error": "<the CLI's one-line message>"}``.
``GET /api/councils[?year=Y]``
    Every council with its DfE caseload by setting.
``POST /api/explore``, ``POST /api/download/{kind}``
    The form's state (JSON) → live result, or a file to take away.

Audits run on a bounded pool of worker threads (numpy releases the GIL for
its array work) behind a bounded queue; a request that cannot be answered
within :attr:`Limits.seconds` gets 503 rather than waiting for ever. Every
response carries a Content-Security-Policy that allows only this server's
own scripts, styles and connections, so no request leaves the machine.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

from ..errors import AuditorError, UsageError
from .service import DEFAULT_DRAWS, DEFAULT_SEED, LIMITS, Limits

__all__ = ["create_app", "run", "CSP", "is_loopback", "Busy"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff", "referrer-policy": "no-referrer",
           "x-frame-options": "DENY", "cache-control": "no-store"}


def is_loopback(host: str) -> bool:
    """True when ``host`` is only reachable from this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("::1"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Busy(Exception):
    """The pool's queue is full, or the answer did not come within the time limit."""


class Pool:
    """At most ``workers`` audits at once and ``queue`` waiting; each request waits at most ``seconds``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.executor = ThreadPoolExecutor(max_workers=limits.workers, thread_name_prefix="auditor-web")
        self.pending = 0
        self.lock = threading.Lock()

    def _done(self, _future) -> None:
        with self.lock:
            self.pending -= 1

    async def run(self, fn: Callable, *args) -> Any:
        with self.lock:
            if self.pending >= self.limits.workers + self.limits.queue:
                raise Busy("the server is busy; try again in a moment")
            self.pending += 1
        future = self.executor.submit(fn, *args)
        # Counted until the thread really finishes, even when the client has stopped waiting.
        future.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.limits.seconds)
        except asyncio.TimeoutError:
            future.cancel()  # drops it if still queued; a running audit finishes and is discarded
            raise Busy(f"no answer within {self.limits.seconds:g} s (the server is busy, or the audit is too "
                       "large); try fewer draws") from None


def _whole_query(request, name: str) -> int | None:
    text = request.query_params.get(name)
    if text is None or text == "":
        return None
    from ..inputs.money import parse_whole

    try:
        return parse_whole(text)
    except Exception:
        raise UsageError(f"must be a whole number such as 100000 or 100,000, got {text!r}", field=name) from None


def _methods_blocks(text: str) -> list[dict[str, str]]:
    """docs/methods.md as headings (with anchors as GitHub makes them) and paragraphs, for a plain page."""
    import re

    blocks: list[dict[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append({"kind": "p", "text": "\n".join(para)})
            para.clear()

    for line in text.splitlines():
        m = re.match(r"(#{1,4})\s+(.*)", line)
        if m:
            flush()
            anchor = re.sub(r"[^\w\- ]", "", m.group(2).lower()).replace(" ", "-")
            blocks.append({"kind": f"h{min(len(m.group(1)) + 1, 4)}", "text": m.group(2), "id": anchor})
        elif line.strip():
            para.append(line)
        else:
            flush()
    flush()
    return blocks


def create_app(limits: Limits = LIMITS, *, host: str = "127.0.0.1"):
    """Build the app. ``host`` is where it will listen: on loopback, requests for other host names are
    refused (a web page elsewhere cannot reach the app through DNS rebinding)."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    from .._version import __version__
    from . import service

    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    pool = Pool(limits)
    examples = service.examples()
    default_example = "west-sussex-2023" if "west-sussex-2023" in examples else next(iter(examples))

    def error(status: int, message: str, exc: AuditorError | None = None) -> JSONResponse:
        body: dict[str, Any] = {"error": message}
        if exc is not None:
            body.update(field=exc.field, line=exc.line, message=" ".join(exc.message.split()))
        return JSONResponse(body, status_code=status, headers=HEADERS)

    async def body_of(request: Request) -> bytes:
        length = request.headers.get("content-length")
        if length is None:
            raise _HTTPError(411, "send a Content-Length header (the body size is limited)")
        if not length.isdigit() or int(length) > limits.body_bytes:
            raise _HTTPError(413, f"the request body is larger than this server's limit of "
                                  f"{limits.body_bytes:,} bytes")
        return await request.body()

    async def answer(fn: Callable, *args) -> Any:
        try:
            return await pool.run(fn, *args)
        except AuditorError:
            raise
        except Busy:
            raise
        except Exception as exc:  # a bug in auditor, reported like the CLI reports one
            raise _HTTPError(500, f"internal error: {type(exc).__name__}: {exc} (please report it with the "
                                  "scenario)") from exc

    def guarded(handler):
        async def endpoint(request: Request):
            try:
                return await handler(request)
            except AuditorError as exc:
                return error(400, exc.one_line(), exc)
            except Busy as exc:
                return error(503, str(exc))
            except _HTTPError as exc:
                return error(exc.status, exc.message)
        return endpoint

    async def index(request: Request):
        from ..inputs.evidence import load_evidence

        years = [k for k, row in load_evidence().items() if k.startswith("tribunal:") and row.rate is not None]
        page = env.get_template("index.html").render(
            version=__version__, examples=[(k, v["title"]) for k, v in examples.items()],
            default_example=default_example, tribunal_years=years, draws=DEFAULT_DRAWS, seed=DEFAULT_SEED,
            limits=limits)
        return HTMLResponse(page, headers=HEADERS)

    async def methods(request: Request):
        path = ROOT / "docs" / "methods.md"
        text = path.read_text(encoding="utf-8") if path.is_file() else "docs/methods.md is not installed."
        page = env.get_template("methods.html").render(version=__version__, blocks=_methods_blocks(text))
        return HTMLResponse(page, headers=HEADERS)

    async def example(request: Request):
        key = request.path_params["key"]
        if key not in examples:
            raise _HTTPError(404, f"no example named {key!r}; allowed: {', '.join(examples)}")
        return JSONResponse(examples[key], headers=HEADERS)

    async def councils(request: Request):
        from .councils import council_list

        year = _whole_query(request, "year")
        return JSONResponse(await answer(council_list, year), headers=HEADERS)

    async def council(request: Request):
        from .councils import council_cohorts

        year = _whole_query(request, "year")
        keys = [k for k in request.query_params.get("settings", "").split(",") if k][:50]
        return JSONResponse(await answer(council_cohorts, request.path_params["code"], year, keys),
                            headers=HEADERS)

    async def state_of(request: Request) -> Any:
        body = await body_of(request)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise _HTTPError(400, f"the request body is not JSON: {exc}") from None
        except RecursionError:
            # A body of 100,000 nested brackets fits the size limit but not the parser's stack.
            raise _HTTPError(400, "the request body is nested too deeply to be a scenario") from None

    async def explore(request: Request):
        state = await state_of(request)
        return JSONResponse(await answer(service.explore, state, limits), headers=HEADERS)

    async def download(request: Request):
        state = await state_of(request)
        kind = request.path_params["kind"]
        name, data, media = await answer(service.render_download, state, kind, limits)
        headers = dict(HEADERS, **{"content-disposition": f'attachment; filename="{name}"'})
        return Response(data, media_type=media, headers=headers)

    async def api_audit(request: Request):
        draws = _whole_query(request, "draws")
        seed = _whole_query(request, "seed")
        body = await body_of(request)
        name, files = "scenario.toml", {}
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            data, name, files = await _multipart(request, limits)
        else:
            data = body

        def work() -> str:
            from ..report import summary_json

            scenario = service.load_upload(data, name=name, files=files, limits=limits)
            return summary_json(service.run_audit(scenario, draws=draws, seed=seed, limits=limits))

        text = await answer(work)
        return Response(text, media_type="application/json", headers=HEADERS)

    routes = [
        Route("/", guarded(index)),
        Route("/methods", guarded(methods)),
        Route("/api/examples/{key}", guarded(example)),
        Route("/api/councils", guarded(councils)),
        Route("/api/councils/{code}", guarded(council)),
        Route("/api/explore", guarded(explore), methods=["POST"]),
        Route("/api/download/{kind}", guarded(download), methods=["POST"]),
        Route("/api/audit", guarded(api_audit), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(_SecurityHeaders)]
    if is_loopback(host):
        middleware.append(Middleware(TrustedHostMiddleware,
                                     allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1", "testserver"]))
    app = Starlette(routes=routes, middleware=middleware)
    app.state.pool = pool
    app.state.limits = limits
    return app


class _SecurityHeaders:
    """ASGI middleware: the security headers on every response, static files and errors included."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in HEADERS.items() if k.encode() not in have]
                message = dict(message, headers=list(message.get("headers", [])) + extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _HTTPError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def _multipart(request, limits: Limits) -> tuple[bytes, str, dict[str, str]]:
    """The scenario part and the case lists of a multipart upload, all held in memory."""
    from starlette.exceptions import HTTPException

    try:
        form = await request.form(max_files=20, max_fields=20, max_part_size=limits.body_bytes)
    except HTTPException as exc:  # a malformed upload: the same JSON error as every other refusal
        raise _HTTPError(exc.status_code, f"the upload is not valid multipart/form-data: {exc.detail}") from None
    try:
        return await _read_parts(form)
    finally:
        # Parts may be spooled to temporary files: close them whether or not the upload is refused.
        await form.close()


async def _read_parts(form) -> tuple[bytes, str, dict[str, str]]:
    scenario = form.get("scenario")
    if scenario is None:
        raise UsageError("the upload needs a part named `scenario` holding the scenario file", field="scenario")
    if isinstance(scenario, str):
        data, name = scenario.encode("utf-8"), "scenario.toml"
    else:
        data, name = await scenario.read(), Path(scenario.filename or "scenario.toml").name
    files: dict[str, str] = {}
    for key, part in form.multi_items():
        if key == "scenario" or isinstance(part, str):
            continue
        raw = await part.read()
        label = Path(part.filename).name if part.filename else key
        try:
            # Found by the part's name or its file's name: `-F "cases.csv=@x.csv"` and `-F "x=@cases.csv"`.
            files[key] = files[label] = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            from ..errors import DataError

            line = raw[:exc.start].count(b"\n") + 1
            raise DataError(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV", path=label,
                            line=line) from None
    return data, name, files


def run(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = True,
        limits: Limits = LIMITS) -> None:
    """Serve the app with uvicorn until Ctrl-C; open the browser once the socket is listening."""
    import socket
    import webbrowser

    import uvicorn

    # Bind first so that a port in use is a one-line error, not a uvicorn traceback.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another with --port "
                         "(or --host)", field="--port") from None
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{sock.getsockname()[1]}/"
    if not is_loopback(host):
        print(f"auditor: warning: listening on {host}:{port}, so anyone who can reach this computer over the "
              "network can use the app and see what is typed into it. Use the default --host 127.0.0.1 unless "
              "you mean to share it.", file=sys.stderr)
    print(f"auditor serve: open {url} in your browser (Ctrl-C to stop)", file=sys.stderr)
    config = uvicorn.Config(create_app(limits, host=host), log_level="warning", timeout_keep_alive=5,
                            limit_concurrency=limits.workers + limits.queue + 16)
    server = uvicorn.Server(config)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, [url]).start()
    server.run(sockets=[sock])
