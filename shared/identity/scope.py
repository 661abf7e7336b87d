"""Regional scope: the lead office of a region oversees it and every region below."""
from shared.registry import Registry

from .principal import Principal


def oversees(principal: Principal, region: str, registry: Registry) -> bool:
    """True for a `lead` caller whose region is `region` or one of its ancestors."""
    return bool(principal.has_role("lead") and principal.region and registry.is_within(region, principal.region))
