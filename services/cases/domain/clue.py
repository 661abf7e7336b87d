"""The clue (线索) aggregate: registered once per source, verified within its deadline (one extension), dismissed
or filed as a case. A clue has no timeline of its own: what happens to it is announced, and the case it becomes
part of lists its filing. Who may act on it is `clue_sources.py`'s rule and the use cases'."""
from dataclasses import dataclass, field
from datetime import datetime

from shared.domain import Aggregate
from shared.errors import Conflict
from shared.events.payloads.cases import ClueOverdue, ClueRegistered, ClueVerified
from shared.events.payloads.common import SubjectRef

from . import lifecycle
from .deadlines import Schedule
from .subjects import subject_columns


@dataclass(kw_only=True, eq=False)
class Clue(Aggregate):
    id: str
    source: str
    source_ref: str
    subject_uscc: str | None = None
    subject_name: str | None = None
    subject_platform: str | None = None
    subject_shop_id: str | None = None
    subject_region: str
    category: str
    agency: str
    summary: str
    complaint_ids: list[str] = field(default_factory=list)
    status: str
    due_at: datetime | None = None
    extended: bool = False
    overdue_for: datetime | None = None
    reason: str | None = None
    case_id: str | None = None
    created_by: str
    created_at: datetime
    decided_at: datetime | None = None

    @classmethod
    def register(cls, *, id: str, source: str, source_ref: str, subject: SubjectRef, category: str, agency: str,
                 summary: str, complaint_ids: list[str], by: str, at: datetime, schedule: Schedule) -> "Clue":
        """A pending clue, due for verification (Order 2 Art. 18)."""
        clue = cls(id=id, source=source, source_ref=source_ref, **subject_columns(subject), category=category,
                   agency=agency, summary=summary, complaint_ids=list(complaint_ids), status="pending",
                   due_at=schedule.clue_due(at), created_by=by, created_at=at)
        clue.record("clue.registered", ClueRegistered(
            clue_id=id, source=source, subject=subject, category=category, agency=agency,
            complaint_ids=clue.complaint_ids, due_at=clue.due_at), on_timeline=False)
        return clue

    @property
    def allowed_actions(self) -> list[str]:
        return lifecycle.allowed(lifecycle.CLUE_COMMANDS, self.status)

    def check(self, action: str) -> None:
        """TransitionNotAllowed (a 409 naming what is allowed) unless `action` may run now."""
        lifecycle.check("clue", lifecycle.CLUE_COMMANDS, action, self.status)

    @property
    def subject(self) -> SubjectRef:
        return SubjectRef(uscc=self.subject_uscc, name=self.subject_name, platform=self.subject_platform,
                          shop_id=self.subject_shop_id, region=self.subject_region)

    def dismiss(self, *, reason: str | None, at: datetime) -> None:
        self.check("verify")
        self._decided("dismissed", reason=reason, at=at)
        self.record("clue.verified", ClueVerified(
            clue_id=self.id, decision="dismiss", reason=reason, complaint_ids=self.complaint_ids,
            source=self.source, source_ref=self.source_ref), on_timeline=False)

    def filed(self, *, case_id: str, joined: bool, reason: str | None, at: datetime) -> ClueVerified:
        """Verified as a case (a new one, or the open one it joins); the case announces it on its timeline."""
        self.check("verify")
        self._decided("joined" if joined else "filed", reason=reason, at=at)
        self.case_id = case_id
        return ClueVerified(clue_id=self.id, decision="file", case_id=case_id, joined_existing_case=joined,
                            complaint_ids=self.complaint_ids, source=self.source, source_ref=self.source_ref)

    def _decided(self, status: str, *, reason: str | None, at: datetime) -> None:
        self.status, self.reason, self.decided_at, self.due_at = status, reason, at, None

    def extend(self, *, reason: str, schedule: Schedule) -> None:
        """Verification gets its one extension, with approval (Order 2 Art. 18)."""
        self.check("extend")
        if self.extended:
            raise Conflict("verification was already extended once (Order 2 Art. 18)", status_now=self.status,
                           allowed_actions=["verify"])
        self.extended, self.reason = True, reason
        self.due_at = schedule.clue_extended(self.due_at)

    def add_complaints(self, complaint_ids: list[str]) -> None:
        """A cluster grew: its new complaints join the clue it became."""
        self.complaint_ids = list(dict.fromkeys([*self.complaint_ids, *complaint_ids]))

    def mark_overdue(self, *, at: datetime) -> None:
        """Its verification is past due: reported once per due date."""
        self.overdue_for = self.due_at
        self.record("clue.overdue", ClueOverdue(clue_id=self.id, step="verification", due_at=self.due_at,
                                                agency=self.agency, region=self.subject_region), on_timeline=False)
