"""Public statistics as counters: which scopes a complaint counts in, and the median from an hour histogram."""
from dataclasses import dataclass


@dataclass(frozen=True)
class StatKey:
    """What a complaint contributes to the counters: one count per scope for its category and status."""

    platform: str | None
    uscc: str | None
    category: str
    status: str

    def scopes(self) -> list[tuple[str, str]]:
        scopes = [("all", "")]
        if self.platform:
            scopes.append(("platform", self.platform))
        if self.uscc:
            scopes.append(("subject", self.uscc))
        return scopes


def median_hours(histogram: dict[int, int]) -> float | None:
    """The median of a histogram of whole hours (mean of the two middle values when the count is even)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    middle = [(total - 1) // 2, total // 2]  # zero-based ranks of the middle value(s)
    found: list[int] = []
    seen = 0
    for hours in sorted(histogram):
        seen += histogram[hours]
        while middle and middle[0] < seen:
            found.append(hours)
            middle.pop(0)
    return sum(found) / len(found)
