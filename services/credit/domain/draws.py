"""Double-random, one-public (双随机、一公开): subjects drawn per tier share, inspectors drawn per subject,
reproducible from the seed and the inputs."""
import hashlib
import math
import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.domain import Aggregate
from shared.errors import InvalidInput
from shared.events.payloads.credit import InspectionDrawPublished

from .rules import TIERS

METHOD = ("Population sorted by USCC and grouped by tier; from each tier ceil(share x size) subjects are drawn "
          "with random.Random(sha256(seed:tier)); for each drawn subject (in USCC order) inspectors are drawn "
          "with random.Random(sha256(seed:uscc)) from the pool sorted, minus the subject's conflicts.")


@dataclass(frozen=True)
class Drawn:
    uscc: str
    tier: str
    inspectors: tuple[str, ...]


class NotEnoughInspectors(ValueError):
    pass


def _rng(seed: str, salt: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(f"{seed}:{salt}".encode()).digest()[:8], "big"))


def draw(population: dict[str, str], *, shares: dict[str, float], seed: str, inspectors: list[str],
         conflicts: dict[str, list[str]], per_subject: int) -> list[Drawn]:
    """`population` maps USCC → tier. The same inputs always give the same draw."""
    pool = sorted(set(inspectors))
    chosen: list[tuple[str, str]] = []
    for tier in TIERS:
        members = sorted(u for u, t in population.items() if t == tier)
        n = min(len(members), math.ceil(shares.get(tier, 0.0) * len(members)))
        chosen += [(u, tier) for u in _rng(seed, tier).sample(members, n)]
    result = []
    for uscc, tier in sorted(chosen):
        eligible = [i for i in pool if i not in set(conflicts.get(uscc, ()))]
        if len(eligible) < per_subject:
            raise NotEnoughInspectors(f"only {len(eligible)} inspectors without a conflict for {uscc}")
        result.append(Drawn(uscc, tier, tuple(sorted(_rng(seed, uscc).sample(eligible, per_subject)))))
    return result


@dataclass(kw_only=True, eq=False)
class InspectionDraw(Aggregate):
    """A draw as made and published (inspection.draw_published); it never changes afterwards."""

    id: str
    seed: str
    inputs: dict
    population: int
    drawn: list[dict]
    method: str
    created_by: str
    created_at: datetime

    @classmethod
    def make(cls, *, subjects: dict[str, str], seed: str, region: str, category: str | None,
             shares: dict[str, float], inspectors: list[str], conflicts: dict[str, list[str]], per_subject: int,
             by: str, at: datetime) -> "InspectionDraw":
        """A draw over `subjects` (USCC → tier) with the inputs that reproduce it."""
        try:
            drawn = draw(subjects, shares=shares, seed=seed, inspectors=inspectors, conflicts=conflicts,
                         per_subject=per_subject)
        except NotEnoughInspectors as exc:
            raise InvalidInput(str(exc), field="inspectors") from None
        made = cls(id=str(uuid.uuid4()), seed=seed, population=len(subjects), method=METHOD, created_by=by,
                   created_at=at,
                   inputs={"region": region, "category": category, "shares": shares, "inspectors": sorted(inspectors),
                           "per_subject": per_subject,
                           "conflicts": {k: sorted(v) for k, v in sorted(conflicts.items())}},
                   drawn=[{"uscc": d.uscc, "tier": d.tier, "inspectors": list(d.inspectors)} for d in drawn])
        made.record("inspection.draw_published", InspectionDrawPublished(
            draw_id=made.id, seed=seed, drawn=len(drawn), population=len(subjects)))
        return made
