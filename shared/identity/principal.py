"""Who is calling: agency, roles, region, platform."""
from dataclasses import dataclass, field

ROLES = frozenset({"intake", "officer", "lead", "platform", "service", "admin"})


@dataclass(frozen=True)
class Principal:
    sub: str
    agency: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    region: str | None = None
    platform: str | None = None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_service(self) -> bool:
        return "service" in self.roles


def region_of_agency(agency: str | None) -> str | None:
    """`440100-amr` → `440100` (agency codes are `<region>-<function>`)."""
    if not agency or "-" not in agency:
        return None
    region = agency.split("-", 1)[0]
    return region if region.isdigit() and len(region) == 6 else None
