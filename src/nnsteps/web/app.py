"""The FastAPI app of ``nnsteps serve``: static pages plus a small JSON API over the engine.

Safety: the server answers only its own page (:mod:`nnsteps.web.guard` refuses other hosts, cross-site
posts and bodies over the limit, and adds the security headers); bad input (``NnstepsError``) gets 422
with ``{"error": <the one line the CLI prints>}``; nothing is evaluated as code; every page is served from this origin under a Content-Security-Policy that
forbids loading anything from elsewhere. Each API request's work runs in a worker process
(:mod:`nnsteps.budget`) killed when its time budget ends, its client disconnects or the server stops.
"""


from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnsteps import __version__, limits
from nnsteps.budget import Budget, Unit, stage
from nnsteps.errors import NnstepsError
from nnsteps.web.guard import MAX_BODY, GuardMiddleware, LimitsMiddleware, allowed_hosts, host_name

__all__ = ["MAX_BODY", "allowed_hosts", "create_app", "error_body", "handle", "serve"]

STATIC = Path(__file__).with_name("static")

MAX_WORKERS = 16
"""API requests worked on at once; more wait their turn. Long work is reniced, so short requests
stay quick beside it (each worker is also capped in time and memory)."""

PRELOAD = ["nnsteps.cli", "nnsteps.web.app", "nnsteps.web.service", "nnsteps.problems.solve", "nnsteps.grading.check",
           "nnsteps.render.document", "nnsteps.render.html", "nnsteps.render.json", "nnsteps.arch.table",
           "sympy", "latex2mathml.converter", "nnsteps.web.warmup"]
"""Modules the forkserver imports once, so that a worker starts ready (a fresh import of SymPy takes ~1 s;
``nnsteps.cli``, the main module of ``nnsteps serve``, is run again in each worker by multiprocessing)."""

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


def handle(endpoint: str, body: bytes) -> Any:
    """The work of one API request, from its raw body (run in a worker: parsing is work too).

    >>> handle("solve", b'{"id": "r", "kind": "relu", "input": "1 -2"}')["answer"]
    [1, 0]
    """
    from nnsteps.web import service

    raw = service.parse_body(body)
    if endpoint not in ENDPOINTS:  # pragma: no cover - the routes name their endpoint
        raise NnstepsError(f"no such endpoint: {endpoint}")
    return ENDPOINTS[endpoint].work(raw)


def _solve(raw: Any) -> Any:
    from nnsteps.web import service

    if isinstance(raw, dict) and "id" in raw:
        stage(f"problem {raw['id']}", problem=str(raw["id"])[:100])
    return service.solve_json(raw)


def _view(raw: Any) -> Any:
    from nnsteps.web import service

    if isinstance(raw, dict) and set(raw) == {"text"}:
        if not isinstance(raw["text"], str):
            raise NnstepsError("expected text to be a string", field="text")
        from nnsteps.problems.load import loads

        raw = loads(raw["text"], source="the text")  # as service.view_text, counting the problems first
    problems = raw.get("problems") if isinstance(raw, dict) else raw
    stage("the request", units=max(1, len(problems)) if isinstance(problems, list) else 1)
    return service.view(raw)


def _grid(raw: Any) -> Any:
    from nnsteps.web import service

    return service.grid(raw)


def _explain(raw: Any) -> Any:
    from nnsteps.web import service

    if not isinstance(raw, dict) or "problem" not in raw or "cell" not in raw:
        raise NnstepsError("expected {\"problem\": {...}, \"cell\": [row, col]}")
    return service.explain(raw["problem"], raw["cell"])


def _check(raw: Any) -> Any:
    from nnsteps.web import service

    if not isinstance(raw, dict) or "problems" not in raw or "answers" not in raw:
        raise NnstepsError("expected {\"problems\": ..., \"answers\": ...}")
    problems = raw["problems"].get("problems") if isinstance(raw["problems"], dict) else raw["problems"]
    stage("the request", units=2 * max(1, len(problems)) if isinstance(problems, list) else 2)
    return service.check(raw["problems"], raw["answers"], raw.get("allow_missing", False))


@dataclass(frozen=True)
class Endpoint:
    """One ``POST /api/<name>``: its OpenAPI summary, its body's schema (from the problem schema) and
    its work on the parsed body (run in a worker by :func:`handle`)."""

    name: str
    summary: str
    schema: Callable[[dict[str, Any]], dict[str, Any]]
    work: Callable[[Any], Any]


ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (
    Endpoint("solve", "Solve one problem; the answer is exactly `nnsteps solve --format json`'s object for it",
             lambda problem: problem, _solve),
    Endpoint("view", "Solve a problem, a problem file, or its text; JSON and HTML with MathML for each problem",
             lambda problem: {"type": "object",
                              "description": "{\"text\": YAML or JSON text} or a problem file / one problem as JSON"},
             _view),
    Endpoint("grid", "A conv2d or pooling problem drawn for the playground: grids, cells and their reads",
             lambda problem: problem, _grid),
    Endpoint("explain", "One output cell of a conv2d or pooling problem, worked",
             lambda problem: {"type": "object", "required": ["problem", "cell"],
                              "properties": {"problem": problem, "cell": {"type": "array", "items": {"type": "integer"}}}},
             _explain),
    Endpoint("check", "Check answers against the problems; feedback per problem",
             lambda problem: {"type": "object", "required": ["problems", "answers"],
                              "properties": {"problems": {"description": "problem file as JSON, or its YAML/JSON text"},
                                             "answers": {"description": "answers file as JSON, or its YAML/JSON text"}}},
             _check),
)}
"""The JSON API's POST endpoints by name: each is one route and one worker task."""


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
                ceiling = max(limits.MAX_REQUEST_SECONDS, work_budget.seconds)  # at least one problem's time
                result = await worker.call_async(handle, endpoint, body, unit=Unit("the request", ceiling=ceiling),
                                                 gone=request.is_disconnected)
            except budgets.Disconnected:
                return Response(status_code=499)  # nobody is listening any more
            finally:
                worker.close()
        return JSONResponse(result)

    def route(ep: Endpoint) -> None:
        async def api(request: Request) -> Response:
            return await work(ep.name, request)

        api.__name__ = f"api_{ep.name}"  # FastAPI's operation id, as when each route was written out
        app.post(f"/api/{ep.name}", summary=ep.summary, openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": ep.schema(problem)}}}})(api)

    for ep in ENDPOINTS.values():
        route(ep)

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
