"""Events a handler refuses to apply (an outcome for a complaint the clue never came from, ...): never applied,
logged, and counted once the transaction that handled the event commits (a rolled-back batch counts nothing)."""
import logging
from collections import Counter
from functools import partial

from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import after_commit
from shared.events import Event

log = logging.getLogger(__name__)


class Refusals:
    """Counts per event type and reason, for /metrics (`jointsup_events_refused`)."""

    def __init__(self):
        self.counts: Counter[tuple[str, str]] = Counter()

    def refuse(self, session: AsyncSession, event: Event, reason: str, **detail: str) -> None:
        """Record that `event` was not applied for `reason`; `detail` names ids, never personal data."""
        log.warning("refused %s %s: %s %s", event.type, event.id, reason, detail)
        after_commit(session, partial(self.counts.update, [(event.type, reason)]))
