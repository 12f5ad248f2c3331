"""The FastAPI app of ``nnsteps serve``: static pages plus a small JSON API over the engine.

Safety: bodies over :data:`MAX_BODY` bytes get 413; bad input (``NnstepsError``) gets 422 with
``{"error": <the one line the CLI prints>}``; nothing is evaluated as code; every page is served
from this origin under a Content-Security-Policy that forbids loading anything from elsewhere.
"""


from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from nnsteps.errors import NnstepsError

MAX_BODY = 1024 * 1024
"""Bytes in one request body."""

STATIC = Path(__file__).with_name("static")
FONT = Path(__file__).parents[1] / "render" / "assets" / "STIXMath-subset.woff"
"""The math font the render layer bundles (STIX Math, OFL), served to the pages."""

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


def create_app() -> Any:
    """The FastAPI application (import-light until called).

    >>> app = create_app()
    >>> sorted(r.path for r in app.routes if r.path.startswith("/api"))  # doctest: +NORMALIZE_WHITESPACE
    ['/api/check', '/api/examples', '/api/explain', '/api/grid', '/api/kinds', '/api/solve', '/api/view']
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
    from fastapi.staticfiles import StaticFiles
    from starlette.concurrency import run_in_threadpool

    from nnsteps.web import service

    app = FastAPI(
        title="nnsteps",
        description="Neural-network exercises computed exactly, with the work shown.",
        version="0.1.0",
        docs_url=None,  # the interactive docs page loads scripts from a CDN; the schema stays at /openapi.json
        redoc_url=None,
    )

    @app.exception_handler(NnstepsError)
    async def _bad_input(request: Request, err: NnstepsError) -> JSONResponse:
        return JSONResponse(error_body(err), status_code=422)

    async def body_of(request: Request) -> Any:
        return service.parse_body(await request.body())

    def post(path: str, summary: str, schema: dict[str, Any]) -> Callable[[Any], Any]:
        return app.post(path, summary=summary, openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}})

    @post("/api/solve", "Solve one problem; the answer is exactly `nnsteps solve --format json`'s object for it",
          _PROBLEM_SCHEMA)
    async def api_solve(request: Request) -> JSONResponse:
        raw = await body_of(request)
        return JSONResponse(await run_in_threadpool(service.solve_json, raw))

    @post("/api/view", "Solve a problem, a problem file, or its text; JSON and HTML with MathML for each problem",
          {"type": "object", "description": "{\"text\": YAML or JSON text} or a problem file / one problem as JSON"})
    async def api_view(request: Request) -> JSONResponse:
        raw = await body_of(request)
        if isinstance(raw, dict) and set(raw) == {"text"}:
            if not isinstance(raw["text"], str):
                raise NnstepsError("expected text to be a string", field="text")
            return JSONResponse(await run_in_threadpool(service.view_text, raw["text"]))
        return JSONResponse(await run_in_threadpool(service.view, raw))

    @post("/api/grid", "A conv2d or pooling problem drawn for the playground: grids, cells and their reads",
          _PROBLEM_SCHEMA)
    async def api_grid(request: Request) -> JSONResponse:
        raw = await body_of(request)
        return JSONResponse(await run_in_threadpool(service.grid, raw))

    @post("/api/explain", "One output cell of a conv2d or pooling problem, worked",
          {"type": "object", "required": ["problem", "cell"],
           "properties": {"problem": _PROBLEM_SCHEMA, "cell": {"type": "array", "items": {"type": "integer"}}}})
    async def api_explain(request: Request) -> JSONResponse:
        raw = await body_of(request)
        if not isinstance(raw, dict) or "problem" not in raw or "cell" not in raw:
            raise NnstepsError("expected {\"problem\": {...}, \"cell\": [row, col]}")
        return JSONResponse(await run_in_threadpool(service.explain, raw["problem"], raw["cell"]))

    @post("/api/check", "Check answers against the problems; feedback per problem",
          {"type": "object", "required": ["problems", "answers"],
           "properties": {"problems": {"description": "problem file as JSON, or its YAML/JSON text"},
                          "answers": {"description": "answers file as JSON, or its YAML/JSON text"}}})
    async def api_check(request: Request) -> JSONResponse:
        raw = await body_of(request)
        if not isinstance(raw, dict) or "problems" not in raw or "answers" not in raw:
            raise NnstepsError("expected {\"problems\": ..., \"answers\": ...}")
        result = await run_in_threadpool(service.check, raw["problems"], raw["answers"])
        return JSONResponse(result)

    @app.get("/api/examples", summary="The bundled example problem files and network specs")
    def api_examples() -> list[dict[str, str]]:
        return service.examples()

    @app.get("/api/kinds", summary="Every problem kind: its fields (type, default, help) and a complete example")
    def api_kinds() -> list[dict[str, Any]]:
        from nnsteps.problems.describe import describe_kinds

        return describe_kinds()

    @app.get("/fonts/math.woff", include_in_schema=False)
    def math_font() -> FileResponse:
        # The OpenType MATH font the pages' MathML is set in: stretchy delimiters with no network.
        return FileResponse(FONT, media_type="font/woff", headers={"cache-control": "max-age=86400"})

    @app.get("/math.css", include_in_schema=False)
    def math_css() -> PlainTextResponse:
        from nnsteps.render.mathml import MATH_CSS

        return PlainTextResponse(MATH_CSS, media_type="text/css")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(LimitsMiddleware)
    return app


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:  # pragma: no cover - runs until stopped
    """Run the app with uvicorn (what ``nnsteps serve`` calls)."""
    import uvicorn

    uvicorn.run(create_app(), host=host, port=port, log_level="info")
