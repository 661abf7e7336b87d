"""Bearer JWTs: HS256 with a shared secret in development, RS256/ES256 from a JWKS URL in deployment; the issuer
and the audience checked when the settings name them."""
import time
import uuid
from typing import Literal

import jwt
from jwt.exceptions import InvalidJTIError, InvalidSubjectError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .jwks import JwksKeys, KeysUnavailable
from .principal import ROLES, Principal, region_of_agency

__all__ = ["InvalidToken", "KeysUnavailable", "TokenVerifier", "mint_token"]
Role = Literal[tuple(sorted(ROLES))]

# What a refusal says: the kind of fault, never the decoder's own words. Subclasses come before their bases.
_REASONS = [
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.InvalidSignatureError, "bad signature"),
    (jwt.InvalidIssuerError, "wrong issuer"),
    (jwt.InvalidAudienceError, "wrong audience"),
    (jwt.ImmatureSignatureError, "not valid yet"),
    (jwt.InvalidAlgorithmError, "algorithm not allowed"),
    (jwt.InvalidKeyError, "bad signature"),
    (InvalidSubjectError, "malformed claims: sub"),
    (jwt.InvalidIssuedAtError, "malformed claims: iat"),
    (InvalidJTIError, "malformed claims: jti"),
    (jwt.DecodeError, "malformed"),
]


class InvalidToken(Exception):
    """Missing, expired, badly signed or malformed token; the message is a short reason, safe to show."""


class Claims(BaseModel):
    """The claims the contract names, each of its type (strict: a list is not an agency, a string not a time)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    sub: str = Field(min_length=1, max_length=256)
    exp: int | float
    agency: str | None = Field(None, min_length=1, max_length=64)
    roles: list[Role] | None = Field(None, max_length=len(ROLES))
    region: str | None = Field(None, min_length=1, max_length=12)
    platform: str | None = Field(None, min_length=1, max_length=64)


class TokenVerifier:
    """Verifies bearer tokens; a token verified once is remembered until it expires (an integrator sends the same
    token with every call, and checking its signature again each time cost more than the rest of a small read)."""

    def __init__(self, *, secret: str | None, jwks: JwksKeys | None = None, issuer: str | None = None,
                 audience: str | None = None, remembered: int = 4096, clock=time.time):
        self.secret, self.jwks, self.issuer, self.audience = secret, jwks, issuer, audience
        self._verified: dict[str, tuple[Principal, float]] = {}  # token → caller, expiry; oldest first
        self._remembered, self._clock = remembered, clock

    async def verify(self, token: str) -> Principal:
        """The caller the token names, once its signature and claims are valid; InvalidToken otherwise, and
        KeysUnavailable when the identity provider's keys cannot be had."""
        if (known := self._verified.get(token)) is not None:
            principal, expires = known
            if self._clock() < expires:
                return principal
            del self._verified[token]
            raise InvalidToken("expired")
        principal, expires = self._check(token, await self._key(token))
        if len(self._verified) >= self._remembered:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, expires)
        return principal

    async def close(self) -> None:
        if self.jwks is not None:
            await self.jwks.close()

    async def _key(self, token: str):
        if self.jwks is None:
            return self.secret
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            raise InvalidToken("malformed") from None
        if not isinstance(kid, str | None):
            raise InvalidToken("malformed")
        if (key := await self.jwks.key(kid)) is None:
            raise InvalidToken("unknown signing key")
        return key

    def _check(self, token: str, key) -> tuple[Principal, float]:
        try:
            decoded = jwt.decode(token, key, algorithms=["RS256", "ES256"] if self.jwks else ["HS256"],
                                 issuer=self.issuer, audience=self.audience,
                                 options={"require": ["sub", "exp"], "verify_aud": self.audience is not None})
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"missing claim {exc.claim}") from None
        except jwt.PyJWTError as exc:
            raise InvalidToken(next((r for kind, r in _REASONS if isinstance(exc, kind)), "invalid")) from None
        try:
            claims = Claims.model_validate(decoded)
        except ValidationError as exc:
            wrong = sorted({str(e["loc"][0]) for e in exc.errors()})
            raise InvalidToken(f"malformed claims: {', '.join(wrong)}") from None
        return Principal(sub=claims.sub, agency=claims.agency, roles=frozenset(claims.roles or ()),
                         region=claims.region or region_of_agency(claims.agency),
                         platform=claims.platform), float(claims.exp)


def mint_token(secret: str, *, sub: str, agency: str | None = None, roles: list[str], platform: str | None = None,
               region: str | None = None, issuer: str | None = None, audience: str | None = None,
               ttl_seconds: int = 3600) -> str:
    """An HS256 development token with the contract's claims."""
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; allowed: {sorted(ROLES)}")
    now = int(time.time())
    claims = {"sub": sub, "roles": roles, "iat": now, "exp": now + ttl_seconds, "jti": str(uuid.uuid4())}
    for name, value in (("agency", agency), ("platform", platform), ("region", region), ("iss", issuer),
                        ("aud", audience)):
        if value:
            claims[name] = value
    return jwt.encode(claims, secret, algorithm="HS256")
