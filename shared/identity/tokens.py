"""Bearer JWTs: HS256 with a shared secret in development, RS256 from a JWKS URL in deployment."""
import time
import uuid

import jwt

from .principal import ROLES, Principal, region_of_agency


class InvalidToken(Exception):
    """Missing, expired, badly signed or malformed token."""


class TokenVerifier:
    def __init__(self, *, secret: str | None, jwks_url: str | None = None, audience: str | None = None):
        self.secret, self.audience = secret, audience
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None

    def verify(self, token: str) -> Principal:
        """Verify the signature and claims; return the caller."""
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
                         region=claims.get("region") or region_of_agency(agency), platform=claims.get("platform"))


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
