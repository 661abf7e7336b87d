"""Identity: JWT verification, the principal, FastAPI dependencies, development tokens."""
from .deps import PrincipalDep, current_principal, require_roles
from .principal import ROLES, Principal, region_of_agency
from .scope import oversees, regions_overseen, serves
from .jwks import JwksKeys, KeysUnavailable
from .tokens import InvalidToken, TokenVerifier, mint_token

__all__ = ["ROLES", "InvalidToken", "JwksKeys", "KeysUnavailable", "Principal", "PrincipalDep", "TokenVerifier",
           "current_principal",
           "mint_token", "oversees", "region_of_agency", "regions_overseen", "require_roles",
           "serves"]
