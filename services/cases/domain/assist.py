"""The assist (协查取证) aggregate: one agency asks another for evidence or data on a case, with a deadline; answered
once. Its steps are on its case's timeline."""
from dataclasses import dataclass
from datetime import datetime

from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput
from shared.events.payloads.cases import AssistOverdue, AssistRequested, AssistResponded
from shared.identity.principal import region_of_agency

from .case import Case
from .deadlines import Schedule


@dataclass(kw_only=True, eq=False)
class Assist(Aggregate):
    id: str
    case_id: str
    from_agency: str
    to_agency: str
    request: str
    status: str  # requested | responded
    due_at: datetime | None = None
    overdue_for: datetime | None = None
    findings: str | None = None
    created_by: str
    created_at: datetime
    responded_at: datetime | None = None

    @classmethod
    def ask(cls, case: Case, *, id: str, to_agency: str, text: str, by: str, at: datetime,
            schedule: Schedule) -> "Assist":
        """The case's owner asks another agency, which may read the case file from now on."""
        case.check("assist")
        if to_agency == case.agency:
            raise InvalidInput("ask another agency", field="to_agency")
        assist = cls(id=id, case_id=case.id, from_agency=case.agency, to_agency=to_agency, request=text,
                     status="requested", due_at=schedule.assist_due(at), created_by=by, created_at=at)
        case.take_up("assist", at=at)
        assist.record("assist.requested", AssistRequested(
            assist_id=id, case_id=case.id, from_agency=case.agency, to_agency=to_agency, due_at=assist.due_at),
            subject=case.id)
        assist.step("assist_requested", actor=by, at=at, deadline=assist.due_at, assist_id=id, to_agency=to_agency)
        return assist

    def respond(self, *, findings: str, by: str, at: datetime) -> None:
        if self.status != "requested":
            raise Conflict("the request was already answered", status_now=self.status, allowed_actions=[])
        self.status, self.findings, self.responded_at, self.due_at = "responded", findings, at, None
        self.record("assist.responded", AssistResponded(
            assist_id=self.id, case_id=self.case_id, from_agency=self.from_agency, to_agency=self.to_agency),
            subject=self.case_id)
        self.step("assist_responded", actor=by, at=at, assist_id=self.id)

    def mark_overdue(self, *, at: datetime) -> None:
        """Its answer is past due: reported once per due date."""
        self.overdue_for = self.due_at
        self.record("assist.overdue", AssistOverdue(
            assist_id=self.id, case_id=self.case_id, from_agency=self.from_agency, to_agency=self.to_agency,
            step="response", due_at=self.due_at, agency=self.to_agency,
            region=region_of_agency(self.from_agency) or ""), subject=self.case_id)
        self.step("overdue", actor="system", at=at, deadline=self.due_at, what="assist", id=self.id, step="response")
