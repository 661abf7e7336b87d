"""RFC 9457 problem+json for every error; the domain errors it answers are in shared/errors.py."""
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
# What a route may answer as a problem, for its OpenAPI `responses`.
RESPONSES = {status: {"model": None, "content": {MEDIA_TYPE: {}}} for status in (400, 401, 403, 404, 409, 422)}
TYPE_BASE = "urn:jointsup:problem:"


def problem(status: int, slug: str, title: str, detail: str, *, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    body = {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer", **(headers or {})} if status == 401 else headers
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def problem_for(exc: DomainError) -> JSONResponse:
    """The problem+json a domain error is answered with, in the app or in front of it (shared/edge.py)."""
    return problem(exc.status, exc.slug, exc.title, exc.detail, headers=exc.headers, **exc.extra)


def _field(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install_problem_handlers(app: FastAPI) -> None:
    """Every error the app returns is problem+json."""

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError):
        return problem_for(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(400, "malformed-json", "Malformed JSON", "the request body is not valid JSON",
                           errors=[{"field": "body", "message": str(e.get("ctx", {}).get("error", e["msg"]))}
                                   for e in errors])
        fields = [{"field": _field(tuple(e["loc"])), "message": e["msg"], "type": e["type"]} for e in errors]
        detail = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return problem(422, "validation-error", "Invalid input", detail, errors=fields)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException):
        title = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}.get(
            exc.status_code, "Error")
        return problem(exc.status_code, title.lower().replace(" ", "-"), title, str(exc.detail))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_unavailable(_: Request, exc: Exception):
        log.warning("database unavailable: %s", type(exc).__name__)
        return problem(503, "service-unavailable", "Service unavailable",
                       "the database is not reachable right now; try again shortly")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception):
        log.exception("unhandled error")
        return problem(500, "internal-error", "Internal error", "an unexpected error occurred; it was logged")
