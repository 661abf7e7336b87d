"""Who hears an event, from the rules in audience.yaml and the event's payload."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Audience:
    agencies: list[str] = field(default_factory=list)  # agency codes and platform:<code>
    complainants: list[str] = field(default_factory=list)  # complaint ids
    lead_offices: list[str] = field(default_factory=list)  # agency codes of conveners


def _values(data: dict, path: str) -> list[str]:
    head, _, rest = path.partition(".")
    value = data.get(head)
    if rest:
        return [v for item in (value or []) if isinstance(item, dict) for v in _values(item, rest)]
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def audience(rule: dict, data: dict, lead_office_for) -> Audience:
    """`lead_office_for(region)` is the registry's look-up (None when the region has no joint meeting)."""
    agencies = [a for f in rule.get("agencies", []) for a in _values(data, f)]
    agencies += [f"platform:{p}" for f in rule.get("platforms", []) for p in _values(data, f)]
    complainants = [c for f in rule.get("complainants", []) for c in _values(data, f)]
    offices = []
    if region_field := rule.get("lead_office"):
        offices = [o for r in _values(data, region_field) if (o := lead_office_for(r))]
    return Audience(agencies=list(dict.fromkeys(agencies)), complainants=list(dict.fromkeys(complainants)),
                    lead_offices=[o for o in dict.fromkeys(offices) if o not in agencies])
