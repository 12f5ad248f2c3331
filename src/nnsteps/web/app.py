"""The FastAPI app of ``nnsteps serve``: static pages plus a small JSON API over the engine.

Safety: the server answers only its own page. A Host it is not bound to gets 400 (DNS rebinding),
a POST that is not ``application/json`` gets 415 (a cross-site form or ``text/plain`` fetch), a POST
from another Origin gets 403; no CORS headers are sent. Bodies over :data:`MAX_BODY` bytes get 413;
bad input (``NnstepsError``) gets 422 with ``{"error": <the one line the CLI prints>}``; nothing is
evaluated as code; every page is served from this origin under a Content-Security-Policy that
forbids loading anything from elsewhere. Each API request's work runs in a worker process
(:mod:`nnsteps.budget`) killed when its time budget ends, its client disconnects or the server stops.
"""


import json
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from nnsteps import __version__
from nnsteps.budget import Budget, Unit, stage
from nnsteps.errors import NnstepsError

MAX_BODY = 1024 * 1024
"""Bytes in one request body."""

STATIC = Path(__file__).with_name("static")

LOOPBACK = ("localhost", "127.0.0.1", "::1")
"""Host names ``nnsteps serve`` always answers to (besides ``--host`` and ``--allow-host``)."""

MAX_WORKERS = 16
"""API requests worked on at once; more wait their turn. Long work is reniced, so short requests
stay quick beside it (each worker is also capped in time and memory)."""

PRELOAD = ["nnsteps.cli", "nnsteps.web.app", "nnsteps.web.service", "nnsteps.problems.solve", "nnsteps.grading.check",
           "nnsteps.render.document", "nnsteps.render.html", "nnsteps.render.json", "nnsteps.arch.table",
           "sympy", "latex2mathml.converter", "nnsteps.web.warmup"]
"""Modules the forkserver imports once, so that a worker starts ready (a fresh import of SymPy takes ~1 s;
``nnsteps.cli``, the main module of ``nnsteps serve``, is run again in each worker by multiprocessing)."""

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
     b"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

_PROBLEM_SCHEMA = {
    "type": "object",
    "description": "One problem in the problem-file contract (id, kind and the kind's fields), as JSON.",
    "required": ["id", "kind"],
    "properties": {"id": {"type": "string"}, "kind": {"type": "string"}},
    "additionalProperties": True,
}


def error_body(err: NnstepsError) -> dict[str, Any]:
    """The 422 body: the CLI's one-line message under ``error``, and where, for the page to point at.

    >>> error_body(NnstepsError("stride must be >= 1, got 0", field="stride"))["error"]
    'field stride: stride must be >= 1, got 0'
    """
    return {"error": str(err), "line": err.line, "column": err.column, "field": err.field, "problem": err.problem}


def host_name(value: str) -> str:
    """The host of a Host header or URL authority, lower case, without port or IPv6 brackets.

    >>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("127.0.0.1")
    ('localhost', '::1', '127.0.0.1')
    """
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> set[str]:
    """The host names a server bound to ``host`` answers to: loopback names, ``host``, and ``extra``.

    >>> sorted(allowed_hosts("127.0.0.1", ["Mybox.local"]))
    ['127.0.0.1', '::1', 'localhost', 'mybox.local']
    """
    return {host_name(h) for h in (*LOOPBACK, host, *extra) if h}


def _refusal(status: int, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": message}).encode()


def refuse(scope: dict[str, Any], hosts: set[str] | None) -> tuple[int, bytes] | None:
    """Why a request must be refused (status, JSON body), or None: a Host not served here (400),
    a POST whose body is not ``application/json`` (415) or that comes from another Origin (403).

    >>> ok = {"method": "POST", "scheme": "http", "headers": [(b"host", b"127.0.0.1:8000"),
    ...       (b"content-type", b"application/json"), (b"origin", b"http://127.0.0.1:8000")]}
    >>> refuse(ok, {"127.0.0.1"}) is None
    True
    >>> refuse({**ok, "headers": [(b"host", b"evil.example:8000")]}, {"127.0.0.1"})[0]
    400
    >>> refuse({**ok, "headers": ok["headers"][:1] + [(b"content-type", b"text/plain")]}, {"127.0.0.1"})[0]
    415
    >>> refuse({**ok, "headers": ok["headers"][:2] + [(b"origin", b"http://evil.example")]}, {"127.0.0.1"})[0]
    403
    """
    headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    host = headers.get(b"host", "")
    if hosts is not None and host_name(host) not in hosts:
        return _refusal(400, f"this server does not answer to host {host[:100]!r}; it answers to "
                        f"{', '.join(sorted(hosts))} (nnsteps serve --allow-host NAME to add one)")
    if scope.get("method") not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    media = headers.get(b"content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        return _refusal(415, f"expected a JSON body (content-type application/json), got "
                        f"{media[:100] or 'no content-type'}")
    origin = headers.get(b"origin")
    if origin is not None and not _same_origin(origin, host, str(scope.get("scheme", "http"))):
        return _refusal(403, f"requests from another site are refused (origin {origin[:100]!r})")
    return None


def _same_origin(origin: str, host: str, scheme: str) -> bool:
    """Whether an Origin header names this server (scheme, host and port as the request's Host)."""
    defaults = {"http": 80, "https": 443}
    try:
        o = urlsplit(origin)
        h = urlsplit(f"{scheme}://{host}")
        return (o.scheme == scheme and o.hostname is not None and o.hostname == h.hostname
                and (o.port or defaults.get(o.scheme)) == (h.port or defaults.get(scheme)))
    except ValueError:  # a malformed port or address
        return False


class GuardMiddleware:
    """Pure ASGI middleware refusing what :func:`refuse` refuses, before anything is read.

    ``hosts=None`` accepts any Host (an app embedded behind another server, or tested in process);
    ``nnsteps serve`` always passes the names it is bound to.
    """

    def __init__(self, app: Any, hosts: set[str] | None = None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        refusal = refuse(scope, self.hosts) if scope["type"] == "http" else None
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, payload = refusal
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode()), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": payload})


def handle(endpoint: str, body: bytes) -> Any:
    """The work of one API request, from its raw body (run in a worker: parsing is work too).

    >>> handle("solve", b'{"id": "r", "kind": "relu", "input": "1 -2"}')["answer"]
    [1, 0]
    """
    from nnsteps.web import service

    raw = service.parse_body(body)
    if endpoint == "solve":
        if isinstance(raw, dict) and "id" in raw:
            stage(f"problem {raw['id']}", problem=str(raw["id"])[:100])
        return service.solve_json(raw)
    if endpoint == "view":
        if isinstance(raw, dict) and set(raw) == {"text"}:
            if not isinstance(raw["text"], str):
                raise NnstepsError("expected text to be a string", field="text")
            from nnsteps.problems.load import loads

            raw = loads(raw["text"], source="the text")  # as service.view_text, counting the problems first
        problems = raw.get("problems") if isinstance(raw, dict) else raw
        stage("the request", units=max(1, len(problems)) if isinstance(problems, list) else 1)
        return service.view(raw)
    if endpoint == "grid":
        return service.grid(raw)
    if endpoint == "explain":
        if not isinstance(raw, dict) or "problem" not in raw or "cell" not in raw:
            raise NnstepsError("expected {\"problem\": {...}, \"cell\": [row, col]}")
        return service.explain(raw["problem"], raw["cell"])
    if endpoint == "check":
        if not isinstance(raw, dict) or "problems" not in raw or "answers" not in raw:
            raise NnstepsError("expected {\"problems\": ..., \"answers\": ...}")
        problems = raw["problems"].get("problems") if isinstance(raw["problems"], dict) else raw["problems"]
        stage("the request", units=2 * max(1, len(problems)) if isinstance(problems, list) else 2)
        return service.check(raw["problems"], raw["answers"])
    raise NnstepsError(f"no such endpoint: {endpoint}")  # pragma: no cover - the routes name their endpoint


class LimitsMiddleware:
    """Pure ASGI middleware: 413 for bodies over ``max_body`` bytes, security headers on every reply."""

    def __init__(self, app: Any, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + SECURITY_HEADERS
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(send_with_headers)
            return
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await self._too_large(send_with_headers)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            sent = False

            async def replay() -> dict[str, Any]:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)

    async def _too_large(self, send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        import json

        payload = json.dumps({"error": f"the request body is larger than the limit of {self.max_body:,} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})


def create_app(*, hosts: Iterable[str] | None = None, budget: Budget | None = None) -> Any:
    """The FastAPI application (import-light until called).

    ``hosts``: the host names to answer to (None: any, for an app embedded or tested in process);
    ``budget``: the time and memory each request's work may take.

    >>> app = create_app()
    >>> sorted(r.path for r in app.routes if r.path.startswith("/api"))  # doctest: +NORMALIZE_WHITESPACE
    ['/api/check', '/api/examples', '/api/explain', '/api/grid', '/api/kinds', '/api/solve', '/api/view']
    """
    import asyncio
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request
    from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
    from fastapi.staticfiles import StaticFiles

    from nnsteps import budget as budgets
    from nnsteps.problems.describe import problem_schema
    from nnsteps.web import service

    # Each kind's fields, from the kinds' records (the same schema as `nnsteps schema`).
    problem = {**_PROBLEM_SCHEMA, **problem_schema()}

    work_budget = budget or Budget()
    slots: list[asyncio.Semaphore] = []

    @asynccontextmanager
    async def lifespan(app: Any) -> Any:
        await asyncio.to_thread(budgets.start_forkserver, PRELOAD)  # it warms up while the page loads
        try:
            yield
        finally:
            budgets.kill_all()  # the server is stopping: no work outlives it

    app = FastAPI(
        title="nnsteps",
        description="Neural-network exercises computed exactly, with the work shown.",
        version=__version__,
        docs_url=None,  # the interactive docs page loads scripts from a CDN; the schema stays at /openapi.json
        redoc_url=None,
        lifespan=lifespan,
    )

    @app.exception_handler(NnstepsError)
    async def _bad_input(request: Request, err: NnstepsError) -> JSONResponse:
        return JSONResponse(error_body(err), status_code=422)

    async def work(endpoint: str, request: Request) -> Response:
        """The request's work in a worker process: killed at the end of its budget, when the client
        disconnects, or when the server stops (the awaiting task is cancelled)."""
        body = await request.body()
        if not slots:
            slots.append(asyncio.Semaphore(MAX_WORKERS))
            await asyncio.to_thread(budgets.start_forkserver, PRELOAD)  # once; imports nnsteps for every worker
        async with slots[0]:
            worker = budgets.Worker(work_budget, method="forkserver")
            try:
                result = await worker.call_async(handle, endpoint, body, unit=Unit("the request"),
                                                 gone=request.is_disconnected)
            except budgets.Disconnected:
                return Response(status_code=499)  # nobody is listening any more
            finally:
                worker.close()
        return JSONResponse(result)

    def post(path: str, summary: str, schema: dict[str, Any]) -> Callable[[Any], Any]:
        return app.post(path, summary=summary, openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}})

    @post("/api/solve", "Solve one problem; the answer is exactly `nnsteps solve --format json`'s object for it",
          problem)
    async def api_solve(request: Request) -> Response:
        return await work("solve", request)

    @post("/api/view", "Solve a problem, a problem file, or its text; JSON and HTML with MathML for each problem",
          {"type": "object", "description": "{\"text\": YAML or JSON text} or a problem file / one problem as JSON"})
    async def api_view(request: Request) -> Response:
        return await work("view", request)

    @post("/api/grid", "A conv2d or pooling problem drawn for the playground: grids, cells and their reads",
          problem)
    async def api_grid(request: Request) -> Response:
        return await work("grid", request)

    @post("/api/explain", "One output cell of a conv2d or pooling problem, worked",
          {"type": "object", "required": ["problem", "cell"],
           "properties": {"problem": problem, "cell": {"type": "array", "items": {"type": "integer"}}}})
    async def api_explain(request: Request) -> Response:
        return await work("explain", request)

    @post("/api/check", "Check answers against the problems; feedback per problem",
          {"type": "object", "required": ["problems", "answers"],
           "properties": {"problems": {"description": "problem file as JSON, or its YAML/JSON text"},
                          "answers": {"description": "answers file as JSON, or its YAML/JSON text"}}})
    async def api_check(request: Request) -> Response:
        return await work("check", request)

    @app.get("/api/examples", summary="The bundled example problem files and network specs")
    def api_examples() -> list[dict[str, str]]:
        return service.examples()

    @app.get("/api/kinds", summary="Every problem kind: its fields (type, default, help) and a complete example")
    def api_kinds() -> list[dict[str, Any]]:
        from nnsteps.problems.describe import describe_kinds

        return describe_kinds()

    @app.get("/fonts/math.woff", include_in_schema=False)
    def math_font() -> Response:
        # The OpenType MATH font the pages' MathML is set in (render.fonts bundles it): stretchy
        # delimiters with no network.
        from nnsteps.render.fonts import font_bytes

        return Response(font_bytes(), media_type="font/woff", headers={"cache-control": "max-age=86400"})

    @app.get("/math.css", include_in_schema=False)
    def math_css() -> PlainTextResponse:
        from nnsteps.render.html import page_css  # the bundled math font, MathML and answer-box styles

        return PlainTextResponse(page_css("/fonts/math.woff"), media_type="text/css")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(LimitsMiddleware)
    app.add_middleware(GuardMiddleware, hosts=None if hosts is None else {host_name(h) for h in hosts})
    return app


def serve(host: str = "127.0.0.1", port: int = 8000, *, allow_hosts: Iterable[str] = (),
          budget: Budget | None = None) -> None:  # pragma: no cover - runs until stopped
    """Run the app with uvicorn (what ``nnsteps serve`` calls), answering only to the names it is
    bound to; in-flight work is killed within seconds of SIGTERM or Ctrl-C."""
    import uvicorn

    from nnsteps.budget import start_forkserver

    start_forkserver(PRELOAD)
    app = create_app(hosts=allowed_hosts(host, allow_hosts), budget=budget)
    uvicorn.run(app, host=host, port=port, log_level="info", timeout_graceful_shutdown=2)
