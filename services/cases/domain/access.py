"""Who may read a case: its participants, the lead office over its region, services and admins.

The same rule says who sees the case's referrals, assists and joint actions (`case_files.visible`).
"""
from shared.identity.principal import Principal
from shared.identity.scope import oversees
from shared.registry import Registry


def may_read(principal: Principal, *, participants: set[str], region: str, registry: Registry) -> bool:
    if principal.agency in participants and principal.has_role("officer", "lead"):
        return True
    return oversees(principal, region, registry) or principal.has_role("admin", "service")
