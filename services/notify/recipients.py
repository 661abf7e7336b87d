"""Who hears about an event (pure rules)."""
from shared.identity import Principal


def platform_recipient(platform: str) -> str:
    return f"platform:{platform}"


def inbox_of(principal: Principal) -> str | None:
    """The inbox a caller reads: its platform's for the platform role, else its agency's."""
    if principal.has_role("platform"):
        return platform_recipient(principal.platform) if principal.platform else None
    return principal.agency


def routed_complaint_recipients(lead: str, co_agencies: list[str]) -> list[tuple[str, str]]:
    """The lead agency and each co-handling agency of a routed complaint, with their part."""
    return [(lead, "lead"), *[(agency, "co") for agency in co_agencies if agency != lead]]
