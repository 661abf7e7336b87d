"""Whose inbox a caller reads."""
from shared.identity import Principal


def platform_recipient(platform: str) -> str:
    return f"platform:{platform}"


def inbox_of(principal: Principal) -> str | None:
    """The inbox a caller reads: its platform's for the platform role, else its agency's."""
    if principal.has_role("platform"):
        return platform_recipient(principal.platform) if principal.platform else None
    return principal.agency

