"""The case (案件) aggregate: filed from a clue (or joined by one: 避免重复执法), investigated, extended once,
decided with its severity, closed; each command checks the state machine, sets the deadline through the schedule
it is given, and records its events and timeline step. Who may act is the use cases' rule (`access.py`)."""
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput
from shared.events.payloads.cases import CaseClosed, CaseDecided, CaseFiled, CaseOverdue
from shared.subjects import ref_of

from . import lifecycle
from .clue import Clue
from .deadlines import Schedule
from .decisions import SeverityRule, decision_problem
from .subjects import subject_key


@dataclass(kw_only=True, eq=False)
class Case(Aggregate):
    id: str
    subject_key: str
    subject_uscc: str | None = None
    subject_name: str | None = None
    subject_platform: str | None = None
    subject_shop_id: str | None = None
    subject_region: str
    category: str
    agency: str
    status: str
    filed_at: datetime
    due_at: datetime | None = None
    extended: bool = False
    overdue_for: datetime | None = None
    complaint_ids: list[str] = field(default_factory=list)
    clue_ids: list[str] = field(default_factory=list)
    outcome: str | None = None
    measures: list[str] = field(default_factory=list)
    severity: str | None = None
    fine_amount: Decimal | None = None
    legal_basis: str | None = None
    ground: str | None = None
    decided_on: date | None = None
    closed_at: datetime | None = None
    created_by: str
    updated_at: datetime

    @classmethod
    def file(cls, clue: Clue, *, id: str, reason: str | None, by: str, at: datetime, schedule: Schedule) -> "Case":
        """A verified clue opens a case, owned by the clue's agency and due for conclusion (Penalty Law Art. 60)."""
        case = cls(id=id, subject_key=subject_key_of(clue), subject_uscc=clue.subject_uscc,
                   subject_name=clue.subject_name, subject_platform=clue.subject_platform,
                   subject_shop_id=clue.subject_shop_id, subject_region=clue.subject_region, category=clue.category,
                   agency=clue.agency, status="filed", filed_at=at, due_at=schedule.case_due(at),
                   complaint_ids=list(clue.complaint_ids), clue_ids=[clue.id], created_by=by, updated_at=at)
        case.record("clue.verified", clue.filed(case_id=id, joined=False, reason=reason, at=at), subject=clue.id)
        case.record("case.filed", CaseFiled(
            case_id=id, clue_id=clue.id, agency=case.agency, subject=ref_of(case), category=case.category,
            complaint_ids=case.complaint_ids, due_at=case.due_at, clue_source=clue.source,
            clue_source_ref=clue.source_ref))
        case.step("filed", actor=by, at=at, deadline=case.due_at, clue_id=clue.id)
        return case

    def join(self, clue: Clue, *, reason: str | None, by: str, at: datetime) -> None:
        """避免重复执法: a clue on the subject and category of this open case joins it, its agency with it."""
        self.clue_ids = [*self.clue_ids, clue.id]
        self.add_complaints(clue.complaint_ids, at=at)
        self.record("clue.verified", clue.filed(case_id=self.id, joined=True, reason=reason, at=at), subject=clue.id)
        self.step("clue_joined", actor=by, at=at, clue_id=clue.id, agency=clue.agency)

    # -- the state machine -------------------------------------------------------------------------------------

    @property
    def allowed_actions(self) -> list[str]:
        return lifecycle.allowed(lifecycle.CASE_COMMANDS, self.status)

    def check(self, action: str) -> None:
        """TransitionNotAllowed (a 409 naming what is allowed) unless `action` may run now."""
        lifecycle.check("case", lifecycle.CASE_COMMANDS, action, self.status)

    def take_up(self, action: str, *, at: datetime) -> None:
        """A referral, assist or joint action on the case: allowed now, and a filed case is then investigated."""
        self.check(action)
        if self.status == "filed":
            self.status = "investigating"
        self.updated_at = at

    # -- the owner's commands ----------------------------------------------------------------------------------

    def investigate(self, *, note: str | None, by: str, at: datetime) -> None:
        self.take_up("investigate", at=at)
        self.step("investigation_started", actor=by, at=at, deadline=self.due_at, note=note)

    def extend(self, *, reason: str, by: str, at: datetime, schedule: Schedule) -> None:
        """The conclusion period gets its one extension (a further one is a collective decision)."""
        self.check("extend")
        if self.extended:
            raise Conflict("the case was already extended (further extension is a collective decision)",
                           status_now=self.status, allowed_actions=[a for a in self.allowed_actions if a != "extend"])
        self.extended, self.updated_at = True, at
        self.due_at = schedule.case_extended(self.due_at)
        self.step("extended", actor=by, at=at, deadline=self.due_at, reason=reason)

    def decide(self, *, outcome: str, measures: list[str], fine_amount: Decimal | None, legal_basis: str | None,
               ground: str | None, subjective_intent: bool | None, severity_rule: SeverityRule, by: str,
               at: datetime, schedule: Schedule) -> None:
        """penalty, no_penalty (with its ground) or soft_measure, its severity by the rule (过罚相当)."""
        if problem := decision_problem(outcome, measures, fine_amount, legal_basis, ground):
            raise InvalidInput(problem[1], field=problem[0])
        self.check("decide")
        self.status, self.outcome, self.measures = "decided", outcome, list(measures)
        self.severity = severity_rule.severity(outcome, measures, fine_amount)
        self.fine_amount, self.legal_basis, self.ground = fine_amount, legal_basis, ground
        self.decided_on = at.astimezone(schedule.calendar.tz).date()
        self.due_at, self.updated_at = None, at
        self.record("case.decided", CaseDecided(
            case_id=self.id, agency=self.agency, subject=ref_of(self), category=self.category, outcome=outcome,
            measures=list(measures), severity=self.severity, fine_amount=fine_amount, legal_basis=legal_basis,
            subjective_intent=subjective_intent, decided_on=self.decided_on))
        self.step("decided", actor=by, at=at, outcome=outcome, measures=list(measures), severity=self.severity,
                  fine_amount=str(fine_amount) if fine_amount is not None else None, legal_basis=legal_basis,
                  ground=ground)

    def close(self, *, note: str | None, by: str, at: datetime) -> None:
        self.check("close")
        self.status, self.closed_at, self.updated_at = "closed", at, at
        self.record("case.closed", CaseClosed(case_id=self.id, agency=self.agency, complaint_ids=self.complaint_ids,
                                              clue_ids=self.clue_ids, outcome=self.outcome))
        self.step("closed", actor=by, at=at, note=note)

    def hand_over(self, *, to_agency: str, at: datetime) -> None:
        """The competent agency a referral went to takes the case over."""
        self.agency, self.updated_at = to_agency, at

    # -- what the system does ----------------------------------------------------------------------------------

    def add_complaints(self, complaint_ids: list[str], *, at: datetime) -> None:
        self.complaint_ids = list(dict.fromkeys([*self.complaint_ids, *complaint_ids]))
        self.updated_at = at

    def cluster_grew(self, *, complaint_ids: list[str], count: int, by: str, at: datetime) -> None:
        """The cluster its clue came from grew (打早打小): the new complaints are the case's too."""
        self.complaint_ids = list(dict.fromkeys([*self.complaint_ids, *complaint_ids]))
        self.step("cluster_grew", actor=by, at=at, count=count)

    def mark_overdue(self, *, at: datetime) -> None:
        """Its conclusion is past due: reported once per due date."""
        self.overdue_for = self.due_at
        self.record("case.overdue", CaseOverdue(case_id=self.id, step="conclusion", due_at=self.due_at,
                                                agency=self.agency, region=self.subject_region))
        self.step("overdue", actor="system", at=at, deadline=self.due_at, what="case", id=self.id,
                  step="conclusion")


def subject_key_of(clue: Clue) -> str:
    """The key one open case per subject and category is held to."""
    return subject_key(clue.subject_uscc, clue.subject_platform, clue.subject_shop_id, clue.id)
