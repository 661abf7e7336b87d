"""Regional scope: the lead office of a region oversees it and every region below."""
from shared.registry import Registry

from .principal import Principal


def serves(principal: Principal, region: str, registry: Registry) -> bool:
    """True for a caller whose agency's region is `region` or one of its ancestors, whatever its role: an agency
    acts over its own region and those below it."""
    return bool(principal.region and registry.is_within(region, principal.region))


def oversees(principal: Principal, region: str, registry: Registry) -> bool:
    """True for a `lead` caller whose region is `region` or one of its ancestors."""
    return principal.has_role("lead") and serves(principal, region, registry)


def regions_overseen(principal: Principal, registry: Registry) -> list[str]:
    """The regions a lead office oversees (its own and those below); none for anyone else."""
    if not (principal.has_role("lead") and principal.region):
        return []
    try:
        return registry.regions_below(principal.region)
    except ValueError:  # a region the registry does not know: it oversees nothing
        return []
