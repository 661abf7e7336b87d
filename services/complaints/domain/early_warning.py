"""打早打小 and 恶意投诉举报: when complaints on one subject become a clue, when a complainant is held."""
from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterRule:
    """`threshold` complaints on one subject and category within `window_days` raise an alert; every further
    `threshold` complaints in the same cluster raise another."""

    threshold: int = 5
    window_days: int = 30

    def alert_due(self, count: int, alerted_count: int) -> bool:
        return count >= max(self.threshold, alerted_count + self.threshold)


@dataclass(frozen=True)
class AbuseRule:
    """A complainant over either count within the window is flagged (both counts are 'more than')."""

    max_complaints: int = 20
    max_subjects: int = 10
    window_days: int = 30

    def reasons(self, complaints: int, subjects: int) -> list[str]:
        reasons = []
        if complaints > self.max_complaints:
            reasons.append(f"more than {self.max_complaints} complaints in {self.window_days} days")
        if subjects > self.max_subjects:
            reasons.append(f"against more than {self.max_subjects} subjects in {self.window_days} days")
        return reasons
