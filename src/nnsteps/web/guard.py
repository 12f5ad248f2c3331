"""What the server refuses before any work: requests to another host, cross-site posts, bodies over the
limit; and the security headers on every reply. Pure ASGI middleware, framework-free.

A Host the server is not bound to gets 400 (DNS rebinding), a POST that is not ``application/json``
gets 415 (a cross-site form or ``text/plain`` fetch), a POST from another Origin gets 403; bodies over
:data:`MAX_BODY` bytes get 413. No CORS headers are sent.
"""

import json
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

MAX_BODY = 1024 * 1024
"""Bytes in one request body."""

LOOPBACK = ("localhost", "127.0.0.1", "::1")
"""Host names ``nnsteps serve`` always answers to (besides ``--host`` and ``--allow-host``)."""

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
     b"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
]

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
        payload = json.dumps({"error": f"the request body is larger than the limit of {self.max_body:,} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
        await send({"type": "http.response.body", "body": payload})
