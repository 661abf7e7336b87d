"""An item in an agency's or platform's in-app inbox; read once, however often it is marked read."""
from dataclasses import dataclass
from datetime import datetime

from shared.domain import Aggregate


@dataclass(kw_only=True, eq=False)
class InboxItem(Aggregate):
    id: int | None = None  # numbered by the database
    recipient: str  # an agency code, or platform:<code>
    event_id: str
    dedupe_key: str | None  # one reminder per step and due date, whatever event carried it
    event_type: str
    aggregate_id: str
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None = None

    def read(self, *, at: datetime) -> None:
        if self.read_at is None:
            self.read_at = at
