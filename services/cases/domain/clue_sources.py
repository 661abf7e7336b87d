"""Who may register a clue (线索登记): from which source, for which agency, citing which complaints.

A platform reports what it finds on its own marketplace, and the registry routes it; an officer registers its
agency's own findings (or passes one on, routed by the registry); a lead office may assign a clue to any agency
in its region; a jointsup service registers monitoring hits. A clue may cite only complaints the registering
agency may act on, as cases knows them from the complaints' own events: the complaint's lead agency, an agency it
was escalated to, or the lead office over its region.
"""
from dataclasses import dataclass

from shared.identity.principal import Principal
from shared.identity.scope import oversees
from shared.registry import Registry

# The sources each role may register; clues from complaints and clusters come only from complaints' events.
SOURCES_OF_ROLE = {"officer": ("monitoring", "agency"), "lead": ("monitoring", "agency"),
                   "platform": ("platform_report",), "service": ("monitoring",)}


@dataclass(frozen=True)
class KnownComplaint:
    """What cases has learnt of a complaint from its events."""

    complaint_id: str
    region: str
    lead_agency: str | None
    escalated_to: frozenset[str] = frozenset()


def sources_for(principal: Principal) -> set[str]:
    return {source for role, sources in SOURCES_OF_ROLE.items() if principal.has_role(role) for source in sources}


def source_refusal(principal: Principal, source: str) -> str | None:
    """Why this caller may not register a clue from `source`; None when it may."""
    allowed = sources_for(principal)
    if source in allowed:
        return None
    return f"a clue from {source!r} is not yours to register; you may register {', '.join(sorted(allowed))}"


def agency_refusal(principal: Principal, agency: str, registry: Registry) -> str | None:
    """Why this caller may not assign the clue to `agency`, a known agency given explicitly; None when it may."""
    if principal.has_role("service"):
        return None
    if principal.has_role("platform") and not principal.has_role("officer", "lead"):
        return "a platform does not choose the agency: the registry routes its report by subject and category"
    if agency == principal.agency:
        return None
    if oversees(principal, registry.agency_region(agency), registry):
        return None
    return f"only {agency} itself, or the lead office over its region, may assign it a clue"


def may_cite(principal: Principal, complaint: KnownComplaint, registry: Registry) -> bool:
    """A clue may cite a complaint its registering agency may act on."""
    if not principal.has_role("officer", "lead"):
        return False
    if principal.agency and principal.agency in {complaint.lead_agency, *complaint.escalated_to}:
        return True
    return oversees(principal, complaint.region, registry)
