"""Pure ASGI middleware: the request body limit and the security headers."""

from __future__ import annotations

import asyncio
import json
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Swagger UI comes from its CDN; its start-up script is ours (/docs/init.js), not inline.
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' {DOCS_CDN}; style-src 'self' {DOCS_CDN}; "
    f"img-src 'self' data: {DOCS_CDN} https://fastapi.tiangolo.com; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP if scope["path"] in ("/docs", "/docs/") else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"content-security-policy"
                ]
                headers += [(b"content-security-policy", policy.encode()), *HEADERS]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Answer 413 past ``limit`` bytes, by Content-Length and by the bytes that arrive,
    and 408 when the body arrives slower than ``rate`` bytes per second after ``seconds``.

    The body is read here, up to the limit, before the app sees it: a client that lies
    about (or omits) Content-Length still cannot make the app hold more than the limit,
    and a client trickling a byte a second cannot hold a connection and a buffer open.
    """

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        upload_limit: int | None = None,
        upload_paths: tuple[str, ...] = (),
        seconds: float = 10.0,
        rate: int = 64 * 1024,
    ) -> None:
        self.app = app
        self.seconds = seconds
        self.rate = rate
        self.documents = limit
        # Model files and training logs are uploads: another, larger limit (its own setting).
        self.uploads = upload_limit if upload_limit is not None else limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"] in self.upload_paths
        limit = self.uploads if upload else self.documents
        setting = "NETCANVAS_MAX_UPLOAD_BYTES" if upload else "NETCANVAS_MAX_BODY_BYTES"
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(send, limit, setting)
            return
        messages: list[Message] = []
        size = 0
        start = time.monotonic()
        while True:
            # The allowance grows with what has arrived: big uploads on slow links pass.
            left = start + self.seconds + size / self.rate - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(left, 0.0))
            except TimeoutError:
                await self._slow(send)
                return
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await self._refuse(send, limit, setting)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, limit: int, setting: str) -> None:
        megabytes = limit / 2**20
        message = f"the request body is larger than the limit ({megabytes:g} MB, setting {setting})"
        await _error(send, 413, message)

    async def _slow(self, send: Send) -> None:
        message = (
            f"the request body arrived too slowly (allowed: {self.seconds:g} s plus one second "
            f"per {self.rate} bytes; settings NETCANVAS_BODY_SECONDS, NETCANVAS_BODY_RATE)"
        )
        await _error(send, 408, message)


async def _error(send: Send, status: int, message: str) -> None:
    """A JSON error in the API's shape, closing the connection (the body is not drained)."""
    body = json.dumps({"detail": {"message": message, "line": None, "column": None}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
