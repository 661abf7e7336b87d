"""The credit rules as data (rules.yaml, read by rules_file.py): scoring factors and tiers, listing, publicity
and repair, shares."""
from dataclasses import dataclass

TIERS = ("A", "B", "C", "D")


@dataclass(frozen=True)
class Factor:
    key: str
    weight: float
    what: str
    cap: int | None = None


@dataclass(frozen=True)
class Publicity:
    published: bool
    months: int
    repair_after_months: int


@dataclass(frozen=True)
class CreditRules:
    base: float
    factors: tuple[Factor, ...]
    tier_floors: dict[str, float]  # tier -> the lowest score in it
    listing_severities: frozenset[str]
    removal_request_after_days: int
    remove_by_days: int
    revoked_delist_working_days: int
    publicity: dict[str, Publicity]
    inspection_shares: dict[str, float]

    @classmethod
    def from_data(cls, data: dict) -> "CreditRules":
        """The rules from their data (rules_file.py reads it)."""
        scoring, listing = data["scoring"], data["listing"]
        tiers = {t: float(scoring["tiers"][t]) for t in TIERS}
        if list(tiers.values()) != sorted(tiers.values(), reverse=True):
            raise ValueError("tier floors must fall from A to D")
        return cls(base=float(scoring["base"]), factors=tuple(Factor(**f) for f in scoring["factors"]),
                   tier_floors=tiers, listing_severities=frozenset(listing["severities"]),
                   removal_request_after_days=int(listing["removal_request_after_days"]),
                   remove_by_days=int(listing["remove_by_days"]),
                   revoked_delist_working_days=int(listing["revoked_delist_working_days"]),
                   publicity={s: Publicity(**p) for s, p in data["publicity"].items()},
                   inspection_shares={t: float(data["inspection_shares"][t]) for t in TIERS})

    def tier(self, score: float) -> str:
        return next(t for t in TIERS if score >= self.tier_floors[t])
