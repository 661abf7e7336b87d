"""Double-random, one-public (双随机、一公开): subjects drawn per tier share, inspectors drawn per subject,
reproducible from the seed and the inputs."""
import hashlib
import math
import random
from dataclasses import dataclass

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
