"""FastAPI dependencies: the caller, and role checks."""
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import Forbidden, Unauthorized, Unavailable

from .principal import Principal
from .tokens import InvalidToken, KeysUnavailable

_bearer = HTTPBearer(auto_error=False, description="JWT with agency, roles, region and platform claims")


async def current_principal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    """The verified caller; 401 without a valid bearer token, 503 while the keys to check it cannot be had, 429
    over the caller's rate limit."""
    if credentials is None:
        raise Unauthorized("a bearer token is required")
    try:
        principal = await request.app.state.runtime.verifier.verify(credentials.credentials)
    except InvalidToken as exc:
        raise Unauthorized(f"invalid token: {exc}") from None
    except KeysUnavailable:
        # Not the token's fault: a 401 would tell the caller to drop a token that may well be good.
        raise Unavailable("the identity provider's signing keys cannot be fetched right now; try again shortly") \
            from None
    await request.app.state.rate_limits.hit_principal(principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str):
    """A dependency that lets through callers holding any of `roles` (403 otherwise)."""

    async def _check(principal: PrincipalDep) -> Principal:
        if not principal.has_role(*roles):
            raise Forbidden(f"this action needs one of the roles {', '.join(roles)}")
        return principal

    return Depends(_check)
