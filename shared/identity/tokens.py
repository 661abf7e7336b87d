"""Bearer JWTs: HS256 with a shared secret in development, RS256 from a JWKS URL in deployment."""
import time
import uuid

import jwt

from .principal import ROLES, Principal, region_of_agency


class InvalidToken(Exception):
    """Missing, expired, badly signed or malformed token."""


class TokenVerifier:
    """Verifies bearer tokens; a token verified once is remembered until it expires (an integrator sends the same
    token with every call, and checking its signature again each time cost more than the rest of a small read)."""

    def __init__(self, *, secret: str | None, jwks_url: str | None = None, audience: str | None = None,
                 remembered: int = 4096, clock=time.time):
        self.secret, self.audience = secret, audience
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self._verified: dict[str, tuple[Principal, float]] = {}  # token → caller, expiry; oldest first
        self._remembered, self._clock = remembered, clock

    def verify(self, token: str) -> Principal:
        """The caller the token names, once its signature and claims are valid; InvalidToken otherwise."""
        if (known := self._verified.get(token)) is not None:
            principal, expires = known
            if self._clock() < expires:
                return principal
            del self._verified[token]
            raise InvalidToken("Signature has expired")
        principal, expires = self._check(token)
        if len(self._verified) >= self._remembered:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, expires)
        return principal

    def _check(self, token: str) -> tuple[Principal, float]:
        try:
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
                claims = jwt.decode(token, key, algorithms=["RS256", "ES256"], audience=self.audience,
                                    options={"require": ["sub", "exp"]})
            else:
                claims = jwt.decode(token, self.secret, algorithms=["HS256"], audience=self.audience,
                                    options={"require": ["sub", "exp"]})
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        roles = claims.get("roles") or []
        if not isinstance(roles, list) or not set(roles) <= ROLES:
            raise InvalidToken(f"roles must be a list drawn from {sorted(ROLES)}")
        agency = claims.get("agency")
        return Principal(sub=str(claims["sub"]), agency=agency, roles=frozenset(roles),
                         region=claims.get("region") or region_of_agency(agency),
                         platform=claims.get("platform")), float(claims["exp"])


def mint_token(secret: str, *, sub: str, agency: str | None = None, roles: list[str], platform: str | None = None,
               region: str | None = None, ttl_seconds: int = 3600) -> str:
    """An HS256 development token with the contract's claims."""
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; allowed: {sorted(ROLES)}")
    now = int(time.time())
    claims = {"sub": sub, "roles": roles, "iat": now, "exp": now + ttl_seconds, "jti": str(uuid.uuid4())}
    for name, value in (("agency", agency), ("platform", platform), ("region", region)):
        if value:
            claims[name] = value
    return jwt.encode(claims, secret, algorithm="HS256")
