"""What the consumer runtime does with a record after an attempt to handle it (as FastStream's AckPolicy): one
decision per outcome, made here and nowhere else, with no I/O.

- handled (or a duplicate, or a type with no handler): commit its offset;
- failed, with attempts left: retry after a backoff that doubles each time;
- failed on its last attempt: dead-letter it;
- not retriable (undecodable, an unknown type, a payload that does not validate, or refused under the
  DEAD_LETTER policy, refusals.DeadLetter): dead-letter it at once;
- the database away: wait for it and try again, the attempt not counted (it is not the event's fault);
- a collision with another transaction (deadlock, serialisation failure, a lock wait given up): retry at once,
  the attempt not counted.
"""
from dataclasses import dataclass
from enum import Enum

from pydantic import ValidationError

from shared.db import DATABASE_AWAY
from shared.events import InvalidEvent, UnknownEventType

from .refusals import DeadLetter

NOT_RETRIABLE = (InvalidEvent, UnknownEventType, ValidationError, DeadLetter)
_COLLISIONS = {"40P01", "40001", "55P03"}  # deadlock_detected, serialization_failure, lock_not_available


def collided(exc: BaseException) -> bool:
    """A deadlock or a lock wait given up: a collision with another transaction, not the database away."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in _COLLISIONS


class Verdict(Enum):
    COMMIT = "commit"  # done with: its offset may be committed
    RETRY = "retry"  # try again after `delay`
    WAIT = "wait"  # the infrastructure is away: wait `delay`, then try again
    DEAD_LETTER = "dead_letter"  # to the dead-letter topic, then commit
    ONE_BY_ONE = "one_by_one"  # (records sharing a transaction) handle each on its own, with its own decisions


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    attempt: int  # the next try's number (retry, wait), or the attempts made (commit, dead letter)
    delay: float = 0.0


@dataclass(frozen=True)
class AckPolicy:
    max_attempts: int = 4
    backoff_seconds: float = 0.2  # before the second attempt; doubled before each one after
    database_wait_seconds: float = 1.0

    def after(self, error: BaseException | None, *, attempt: int) -> Decision:
        """What to do with a record whose `attempt`-th try (from 1) ended in `error` (None: it succeeded)."""
        if error is None:
            return Decision(Verdict.COMMIT, attempt)
        if isinstance(error, NOT_RETRIABLE):
            return Decision(Verdict.DEAD_LETTER, attempt)
        if isinstance(error, DATABASE_AWAY):
            if collided(error):
                return Decision(Verdict.RETRY, attempt)
            return Decision(Verdict.WAIT, attempt, self.database_wait_seconds)
        if attempt < self.max_attempts:
            return Decision(Verdict.RETRY, attempt + 1, self.backoff_seconds * 2 ** (attempt - 1))
        return Decision(Verdict.DEAD_LETTER, self.max_attempts)

    def after_shared(self, error: BaseException | None) -> Decision:
        """What to do with records that shared one transaction, which ended in `error`: nothing of theirs is
        written unless all succeed, so any failure but the database away sends them one by one."""
        if error is None:
            return Decision(Verdict.COMMIT, 1)
        if isinstance(error, DATABASE_AWAY) and not collided(error):
            return Decision(Verdict.WAIT, 1, self.database_wait_seconds)
        return Decision(Verdict.ONE_BY_ONE, 1)
