"""Events a handler refuses to apply: an outcome for a complaint the clue never came from, a transition the
aggregate's state machine does not allow now. A refusal is never applied; what then happens to the event is the
service's policy per event type:

- `SKIP`: the event is handled (it will not come again) with no effect, logged, and counted once the transaction
  that handled it commits (`jointsup_events_refused_total`): for events that may rightly arrive too late;
- `DEAD_LETTER`: the event goes to the service's dead-letter topic at once, without retries, for someone to look
  at and replay (`make dlq-replay`): for events whose refusal means that something upstream is wrong.
"""
import logging
from collections import Counter
from collections.abc import Mapping
from enum import Enum
from functools import partial
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import after_commit
from shared.errors import Conflict
from shared.events import Event

log = logging.getLogger(__name__)


class Refused(Conflict):
    """Raised by a handler (or the aggregate it drives) that will not apply an event; `reason` is short and the
    same for every such refusal, for the metric's label."""

    def __init__(self, reason: str, detail: str | None = None, **extra):
        super().__init__(detail or reason, **extra)
        self.reason = reason


class DeadLetter(Exception):
    """An event refused under the DEAD_LETTER policy: the consumer runtime dead-letters it without retrying."""


class Policy(Enum):
    SKIP = "skip"
    DEAD_LETTER = "dead_letter"


class Refusals:
    """Counts per event type and reason, for /metrics (`jointsup_events_refused`)."""

    def __init__(self):
        self.counts: Counter[tuple[str, str]] = Counter()

    def refuse(self, session: AsyncSession, event: Event, reason: str, **detail: str) -> None:
        """Record that `event` was not applied for `reason`; `detail` names ids, never personal data."""
        log.warning("refused %s %s: %s %s", event.type, event.id, reason, detail)
        after_commit(session, partial(self.counts.update, [(event.type, reason)]))


class CountsRefusals(Protocol):
    refusals: Refusals


def refusable(handlers: Mapping, policies: Mapping[str, Policy], counter: CountsRefusals) -> dict:
    """The handlers, each of those with a policy run in a savepoint: a refusal (`Conflict`, which a state machine's
    TransitionNotAllowed is) rolls back what it had written and is skipped and counted, or dead-lettered.

    `counter` (the service's runtime) is read only when an event is refused, so the handlers can be built without
    one to list the event types they handle."""
    def guarded(event_type: str, handler):
        policy = policies[event_type]

        async def handle(session: AsyncSession, event: Event, payload) -> None:
            try:
                async with session.begin_nested():
                    await handler(session, event, payload)
            except Conflict as refused:
                reason = getattr(refused, "reason", None) or type(refused).__name__
                if policy is Policy.DEAD_LETTER:
                    raise DeadLetter(f"refused: {refused.detail}") from refused
                counter.refusals.refuse(session, event, reason, detail=refused.detail)
        return handle

    return {t: guarded(t, h) if t in policies else h for t, h in handlers.items()}
