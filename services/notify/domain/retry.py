"""When the next attempt comes: the schedule's delay for it, with jitter; None after the last attempt."""
import random
from dataclasses import dataclass


def next_delay(schedule: list[float], attempts_made: int, *, jitter: float, rng: random.Random) -> float | None:
    if attempts_made >= len(schedule):
        return None
    delay = schedule[attempts_made]
    return max(0.0, delay * (1 + rng.uniform(-jitter, jitter)))


@dataclass(frozen=True)
class RetrySchedule:
    """NOTIFY_RETRY_SCHEDULE and NOTIFY_RETRY_JITTER, with the random source the jitter draws from."""

    delays: list[float]
    jitter: float
    rng: random.Random

    def delay_after(self, attempts_made: int) -> float | None:
        return next_delay(self.delays, attempts_made, jitter=self.jitter, rng=self.rng)


class Circuit:
    """Per endpoint: open after `failures` failures in a row, half-open (one try) after `open_seconds`."""

    def __init__(self, failures: int, open_seconds: float):
        self.failures, self.open_seconds = failures, open_seconds
        self._streak: dict[str, int] = {}
        self._opened_at: dict[str, float] = {}

    def allows(self, endpoint: str, now: float) -> bool:
        opened = self._opened_at.get(endpoint)
        return opened is None or now - opened >= self.open_seconds

    def retry_at(self, endpoint: str) -> float:
        return self._opened_at.get(endpoint, 0.0) + self.open_seconds

    def record(self, endpoint: str, ok: bool, now: float) -> None:
        if ok:
            self._streak.pop(endpoint, None)
            self._opened_at.pop(endpoint, None)
            return
        self._streak[endpoint] = self._streak.get(endpoint, 0) + 1
        if self._streak[endpoint] >= self.failures:
            self._opened_at[endpoint] = now
