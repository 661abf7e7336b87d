"""The referral (移送) aggregate: the sender asks, the receiver accepts, rejects (reviewable once) or forwards,
then reports the outcome; a criminal transfer first waits for the head of agency's approval (Decree 310). Its
steps are on its case's timeline; which side may act is the use cases' rule (`lifecycle.REFERRAL_COMMANDS`)."""
from dataclasses import dataclass, field
from datetime import datetime

from shared.domain import Aggregate
from shared.errors import InvalidInput
from shared.events.payloads.cases import CaseReferred, ReferralOverdue, ReferralStep
from shared.identity.principal import region_of_agency
from shared.registry import Registry

from . import lifecycle
from .case import Case
from .deadlines import Schedule
from .referrals import missing_documents, referral_problem

_EVENT = {"accept": "referral.accepted", "reject": "referral.rejected", "forward": "referral.forwarded",
          "review": "referral.review_requested", "outcome": "referral.outcome_reported"}


@dataclass(kw_only=True, eq=False)
class Referral(Aggregate):
    id: str
    case_id: str
    kind: str
    from_agency: str
    to_agency: str
    reason: str
    documents: list[str] = field(default_factory=list)
    status: str
    due_at: datetime | None = None
    overdue_for: datetime | None = None
    note: str | None = None  # the last rejection reason or outcome summary
    forwarded_from: list[str] = field(default_factory=list)
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def refer(cls, case: Case, *, id: str, to_agency: str, kind: str, reason: str, documents: list[str],
              registry: Registry, by: str, at: datetime, schedule: Schedule) -> "Referral":
        """The case's owner refers it; a criminal transfer waits for approval, any other goes at once."""
        case.check("refer")
        if problem := referral_problem(registry, kind, case.agency, to_agency):
            raise InvalidInput(problem, field="to_agency")
        if missing := missing_documents(kind, documents):
            raise InvalidInput(f"a criminal transfer must carry: {', '.join(missing)} (Decree 310 Art. 6)",
                               field="documents")
        status = "awaiting_approval" if kind == "criminal" else "pending"
        referral = cls(id=id, case_id=case.id, kind=kind, from_agency=case.agency, to_agency=to_agency,
                       reason=reason, documents=list(documents), status=status,
                       due_at=schedule.referral_due(kind, status, at), created_by=by, created_at=at, updated_at=at)
        case.take_up("refer", at=at)
        if status == "pending":
            referral._transfer(by=by, at=at)
        else:
            referral.step("referral_reported", actor=by, at=at, deadline=referral.due_at, referral_id=id, kind=kind,
                          to_agency=to_agency)
        return referral

    @property
    def transferred(self) -> bool:
        """The receiver has it, and reads the case file from now on."""
        return self.status != "awaiting_approval"

    @property
    def allowed_actions(self) -> list[str]:
        return lifecycle.allowed(lifecycle.REFERRAL_COMMANDS, self.status)

    def check(self, action: str) -> None:
        """TransitionNotAllowed (a 409 naming what is allowed) unless `action` may run now."""
        lifecycle.check("referral", lifecycle.REFERRAL_COMMANDS, action, self.status)

    def side_of(self, action: str) -> tuple[str, str]:
        """Which side acts in `action`, and its agency."""
        side = lifecycle.REFERRAL_COMMANDS[action].side
        return side, self.from_agency if side == lifecycle.SENDER else self.to_agency

    def _move(self, status: str, *, at: datetime, schedule: Schedule) -> None:
        self.status, self.updated_at = status, at
        self.due_at = schedule.referral_due(self.kind, status, at)

    def _transfer(self, *, by: str, at: datetime) -> None:
        self.record("case.referred", CaseReferred(
            referral_id=self.id, case_id=self.case_id, kind=self.kind, from_agency=self.from_agency,
            to_agency=self.to_agency, reason=self.reason, due_at=self.due_at), subject=self.case_id)
        self.step("referred", actor=by, at=at, deadline=self.due_at, referral_id=self.id, kind=self.kind,
                  to_agency=self.to_agency)

    def _announce(self, action: str, *, note: str | None, by: str, at: datetime) -> None:
        self.record(_EVENT[action], ReferralStep(referral_id=self.id, case_id=self.case_id,
                                                 from_agency=self.from_agency, to_agency=self.to_agency, note=note),
                    subject=self.case_id)
        self.step(f"referral_{action}", actor=by, at=at, deadline=self.due_at, referral_id=self.id, note=note)

    # -- the commands ------------------------------------------------------------------------------------------

    def approve(self, *, note: str | None, by: str, at: datetime, schedule: Schedule) -> None:
        """The head of agency approves a criminal transfer; it goes to the police at once (within 24 hours)."""
        self.check("approve")
        self._move("pending", at=at, schedule=schedule)
        self.step("referral_approved", actor=by, at=at, referral_id=self.id, note=note)
        self._transfer(by=by, at=at)

    def accept(self, *, note: str | None, by: str, at: datetime, schedule: Schedule) -> bool:
        """Accepted; True when the receiver, the competent agency, takes the case over."""
        self.check("accept")
        self._move("accepted", at=at, schedule=schedule)
        self._announce("accept", note=note, by=by, at=at)
        return self.kind in lifecycle.OWNERSHIP_MOVES

    def reject(self, *, reason: str, by: str, at: datetime, schedule: Schedule) -> None:
        """A first refusal may be reviewed at the sender's request; a refusal after review is final."""
        self.check("reject")
        self._move(lifecycle.referral_after_reject(self.status), at=at, schedule=schedule)
        self.note = reason
        self._announce("reject", note=reason, by=by, at=at)

    def review(self, *, reason: str, by: str, at: datetime, schedule: Schedule) -> None:
        """The sender asks the receiver to reconsider a refusal (Decree 310 Art. 9 for the police)."""
        self.check("review")
        self._move("review_requested", at=at, schedule=schedule)
        self._announce("review", note=reason, by=by, at=at)

    def forward(self, *, to_agency: str, reason: str, by: str, at: datetime, schedule: Schedule) -> None:
        """A receiver that is not competent passes it on (Decree 310 Art. 7) and the sender is told."""
        self.check("forward")
        if to_agency in (self.to_agency, self.from_agency):
            raise InvalidInput("forward to another competent agency", field="to_agency")
        self.forwarded_from = [*self.forwarded_from, self.to_agency]
        self.to_agency = to_agency
        self._move("pending", at=at, schedule=schedule)
        self._announce("forward", note=reason, by=by, at=at)

    def report_outcome(self, *, summary: str, by: str, at: datetime, schedule: Schedule) -> None:
        self.check("outcome")
        self._move("completed", at=at, schedule=schedule)
        self.note = summary
        self._announce("outcome", note=summary, by=by, at=at)

    def mark_overdue(self, *, at: datetime) -> None:
        """Its open step is past due: reported once per due date, to the side that has to act."""
        self.overdue_for = self.due_at
        actor = self.from_agency if self.status == "awaiting_approval" else self.to_agency
        self.record("referral.overdue", ReferralOverdue(
            referral_id=self.id, case_id=self.case_id, from_agency=self.from_agency, to_agency=self.to_agency,
            step=self.status, due_at=self.due_at, agency=actor, region=region_of_agency(self.from_agency) or ""),
            subject=self.case_id)
        self.step("overdue", actor="system", at=at, deadline=self.due_at, what="referral", id=self.id,
                  step=self.status)
