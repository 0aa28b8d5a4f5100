"""One error shape for every failure: ``{"detail": {"message", "line", "column"}}``."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from netcanvas.formats import FormatError

log = logging.getLogger("netcanvas.api")


class ApiError(Exception):
    """A clean refusal: a status code and a message (plus extras such as the revision)."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


def detail(
    message: str, line: int | None = None, column: int | None = None, **extra: Any
) -> dict[str, Any]:
    return {"detail": {"message": message, "line": line, "column": column, **extra}}


def error_response(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(detail(message, **extra), status_code=status)


def install(app: FastAPI) -> None:
    """Map every exception the routes let through to the one error shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, **exc.extra)

    @app.exception_handler(FormatError)
    async def _format_error(_: Request, exc: FormatError) -> JSONResponse:
        return JSONResponse(detail(exc.message, exc.line, exc.column), status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()))
            problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else error["msg"])
        return error_response(422, "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 400 and message == "There was an error parsing the body":
            # FastAPI's answer to a JSON body that does not decode: the same 422 as any other
            # body that cannot be read, so every route documents one status for bad input.
            return JSONResponse(detail("the body is not valid JSON (UTF-8)"), status_code=422)
        headers = dict(exc.headers or {})
        methods = allowed_methods(request) if exc.status_code == 405 else []
        if methods:
            headers["Allow"] = ", ".join(methods)
        return JSONResponse(detail(message), status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        # Last resort: a bug in a domain module. Log it with the stack; answer cleanly.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, f"internal error: {type(exc).__name__}")


def allowed_methods(request: Request) -> list[str]:
    """Every method the API documents at this path (empty for paths outside the API).

    Starlette's 405 names only the first route that matched the path, but GET and POST
    on /api/designs are two routes; the OpenAPI document knows them all.
    """
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, path):
            methods |= {m.upper() for m in operations}
    return sorted(methods)
