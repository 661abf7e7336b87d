"""Who may read a complaint, and whether personal data is shown to them."""
from enum import Enum

from shared.identity.principal import Principal
from shared.identity.scope import oversees
from shared.registry import Registry


class Access(Enum):
    NONE = "none"
    MASKED = "masked"  # sees the complaint, personal data masked
    FULL = "full"  # a handling agency: sees personal data


def read_access(principal: Principal, *, handling_agencies: set[str], subject_region: str,
                intake_agency: str | None, registry: Registry, forwarded_platform: str | None = None) -> Access:
    """Handling agencies see all; the lead office of the region, the intake centre, the platform the complaint
    was forwarded to, services and admins see it masked."""
    if principal.agency and principal.agency in handling_agencies and principal.has_role("officer", "lead"):
        return Access.FULL
    if principal.has_role("platform"):  # a platform sees only what was forwarded to it, whatever else it holds
        return Access.MASKED if principal.platform and principal.platform == forwarded_platform else Access.NONE
    if oversees(principal, subject_region, registry):
        return Access.MASKED
    if principal.has_role("intake") and principal.agency and principal.agency == intake_agency:
        return Access.MASKED
    if principal.has_role("admin", "service"):
        return Access.MASKED
    return Access.NONE


def reviews_flag(principal: Principal, *, agency: str | None, region: str | None, registry: Registry) -> bool:
    """A complainant flag is reviewed where it was raised: by the officers of the agency that handled the
    complaint, by the lead office over its region, and by administrators."""
    if principal.has_role("admin"):
        return True
    if agency is not None and principal.agency == agency and principal.has_role("officer", "lead"):
        return True
    return region is not None and oversees(principal, region, registry)
