"""The errors use cases and aggregates raise, each with the HTTP status it is answered with (shared/problems.py
turns them into problem+json at the edge); nothing here does I/O."""
from typing import Any


class DomainError(Exception):
    """Raised by use cases; turned into problem+json at the HTTP edge."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra


class NotFound(DomainError):
    status, slug, title = 404, "not-found", "Not found"


class Forbidden(DomainError):
    status, slug, title = 403, "forbidden", "Forbidden"


class Unauthorized(DomainError):
    status, slug, title = 401, "unauthorized", "Unauthorized"


class Unavailable(DomainError):
    """Something the request needs is away for now (the identity provider's keys); trying again may work."""

    status, slug, title = 503, "service-unavailable", "Service unavailable"


class Conflict(DomainError):
    """A transition not allowed in the current state; `allowed_actions` says what is."""

    status, slug, title = 409, "conflict", "Not allowed in the current state"


class TooManyRequests(DomainError):
    """Over a rate limit; `Retry-After` says when the next request is let through."""

    status, slug, title = 429, "too-many-requests", "Too many requests"

    def __init__(self, detail: str, *, retry_after: int):
        super().__init__(detail, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a rule; `errors` names the fields."""

    status, slug, title = 422, "validation-error", "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any):
        if field is not None:
            extra.setdefault("errors", [{"field": field, "message": detail}])
        super().__init__(detail, **extra)
