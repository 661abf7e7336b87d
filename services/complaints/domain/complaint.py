"""The complaint (投诉) or report (举报) aggregate: each command checks the state machine, changes the complaint,
sets its deadline through the schedule it is given, and records its events and timeline step. No I/O here: who
may ask is `access.py`'s rule, and what needs the database (clusters, flags, routing rows) the use cases do."""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput
from shared.events.payloads.complaints import (ComplainantFlagged, ComplaintAccepted, ComplaintClosed,
                                               ComplaintClusterAlert, ComplaintEscalated,
                                               ComplaintForwardedToPlatform, ComplaintMediationConcluded,
                                               ComplaintOverdue, ComplaintPlatformResponded, ComplaintReceived,
                                               ComplaintRejected, ComplaintRouted)
from shared.registry import Routing
from shared.subjects import ref_of

from . import lifecycle
from .deadlines import Schedule
from .grounds import REJECTION_GROUNDS

_DEFAULT_CLOSE_OUTCOME = {"mediating": "withdrawn", "mediation_failed": "mediation_failed",
                          "verifying": "not_substantiated", "escalated": "closed_by_agency",
                          "case_filed": "closed_by_agency"}


@dataclass(kw_only=True, eq=False)
class Complaint(Aggregate):
    id: str
    kind: str
    channel: str
    external_ref: str
    status: str
    category: str
    category_source: str
    category_terms: list[str] = field(default_factory=list)
    subject_uscc: str | None = None
    subject_name: str | None = None
    subject_platform: str | None = None
    subject_shop_id: str | None = None
    subject_region: str
    description: str
    amount: Decimal | None = None
    occurred_at: datetime | None = None
    complainant_enc: str | None = None
    complainant_key: str | None = None
    complainant_phone_key: str | None = None
    lead_agency: str
    co_agencies: list[str] = field(default_factory=list)
    intake_agency: str | None = None
    created_by: str
    received_at: datetime
    updated_at: datetime
    due_at: datetime | None = None
    overdue_for: datetime | None = None
    handed_over_from: str | None = None
    forwarded_platform: str | None = None
    forwarded_at: datetime | None = None
    accepted_at: datetime | None = None
    extended: bool = False
    case_id: str | None = None
    closed_at: datetime | None = None
    outcome: str | None = None

    @classmethod
    def receive(cls, *, id: str, kind: str, channel: str, external_ref: str, category: str, category_source: str,
                category_terms: list[str], routing: Routing, by: str, at: datetime, schedule: Schedule,
                **details) -> "Complaint":
        """A complaint taken in: received, due for acceptance, routed to its lead and co-handling agencies."""
        complaint = cls(id=id, kind=kind, channel=channel, external_ref=external_ref, status="received",
                        category=category, category_source=category_source, category_terms=list(category_terms),
                        lead_agency=routing.lead, co_agencies=list(routing.co_agencies), created_by=by,
                        received_at=at, updated_at=at, **details)
        complaint._move_to("received", at=at, schedule=schedule)
        complaint.record("complaint.received", ComplaintReceived(
            complaint_id=id, kind=kind, channel=channel, category=category, subject=ref_of(complaint),
            received_at=at, anonymous=complaint.complainant_enc is None, complainant_key=complaint.complainant_key))
        complaint.step("received", actor=by, at=at, channel=channel, category=category,
                       category_source=category_source, category_terms=list(category_terms))
        complaint.announce_routing(reason="cross_region" if complaint.handed_over_from else "intake", at=at)
        return complaint

    # -- the state machine -------------------------------------------------------------------------------------

    @property
    def allowed_actions(self) -> list[str]:
        return lifecycle.allowed_actions(self.status, self.kind)

    def check(self, action: str) -> None:
        """TransitionNotAllowed (a 409 naming what is allowed) unless `action` may run now."""
        lifecycle.check(action, self.status, self.kind)

    def step(self, action: str, *, actor: str, at: datetime, **detail):
        """A timeline step showing the deadline now open."""
        self.updated_at = at
        return super().step(action, actor=actor, at=at, deadline=self.due_at, **detail)

    def _move_to(self, status: str, *, at: datetime, schedule: Schedule | None = None,
                 due_from: datetime | None = None, outcome: str | None = None) -> None:
        """Change status; the new step's deadline runs from `due_from` (default `at`); none after a final one."""
        self.status = status
        step = lifecycle.STEP_OF_STATUS.get(status)
        self.due_at = schedule.due(step, due_from or at) if step and schedule else None
        if outcome is not None:
            self.outcome = outcome
        if status in lifecycle.FINAL_STATUSES:
            self.closed_at = at

    # -- officer and platform commands -------------------------------------------------------------------------

    def hold(self, *, at: datetime, schedule: Schedule) -> None:
        """A flagged complainant's new complaint waits for review (恶意投诉举报)."""
        self._move_to("held", at=at, schedule=schedule)
        self.step("held", actor="system", at=at, reason="the complainant is flagged for review")

    def accept(self, *, by: str, at: datetime, schedule: Schedule, note: str | None = None) -> None:
        self.check("accept")
        self.accepted_at = at
        self._move_to(lifecycle.status_after_acceptance(self.kind), at=at, schedule=schedule)
        self.record("complaint.accepted", ComplaintAccepted(
            complaint_id=self.id, lead_agency=self.lead_agency, decided_by=by, next_due_at=self.due_at))
        self.step("accepted", actor=by, at=at, note=note)

    def reject(self, *, ground: str, by: str, at: datetime, note: str | None = None) -> None:
        if ground not in REJECTION_GROUNDS:
            raise InvalidInput(f"unknown ground {ground!r}; one of {', '.join(REJECTION_GROUNDS)}",
                               field="grounds.code")
        self.check("reject")
        self._move_to("rejected", at=at, outcome=ground)
        self.record("complaint.rejected", ComplaintRejected(
            complaint_id=self.id, lead_agency=self.lead_agency, ground=ground, note=note, decided_by=by))
        self.step("rejected", actor=by, at=at, ground=ground, note=note)

    def forward(self, *, platform: str, by: str, at: datetime, schedule: Schedule) -> None:
        """The fast channel (投诉纠纷快速处置通道): the platform answers before the agency decides on acceptance."""
        self.check("forward")
        if self.subject_platform not in (None, platform):
            raise InvalidInput(f"the subject trades on {self.subject_platform!r}, not {platform!r}", field="platform")
        self.forwarded_platform, self.forwarded_at = platform, at
        self._move_to("forwarded", at=at, schedule=schedule)
        self.record("complaint.forwarded_to_platform", ComplaintForwardedToPlatform(
            complaint_id=self.id, platform=platform, shop_id=self.subject_shop_id, category=self.category,
            due_at=self.due_at))
        self.step("forwarded", actor=by, at=at, platform=platform)

    def answer_from_platform(self, *, outcome: str, note: str | None, by: str, at: datetime,
                             schedule: Schedule) -> None:
        """Resolved by the platform closes it; unresolved returns it to the agency for acceptance."""
        self.check("platform_response")
        self.record("complaint.platform_responded", ComplaintPlatformResponded(
            complaint_id=self.id, platform=self.forwarded_platform, outcome=outcome, note=note))
        if lifecycle.status_after_platform_response(outcome) == "closed":
            self.step("platform_responded", actor=by, at=at, outcome=outcome, note=note)
            self._close("resolved_by_platform", by=by, at=at)
        else:
            self._move_to("received", at=at, schedule=schedule)
            self.step("platform_responded", actor=by, at=at, outcome=outcome, note=note)

    def conclude_mediation(self, *, outcome: str, note: str | None, by: str, at: datetime,
                           schedule: Schedule) -> None:
        """success closes the complaint; failure or expiry (Art. 21(5)) leaves the parties to be told (7 wd)."""
        self.check("mediation")
        self.record("complaint.mediation_concluded", ComplaintMediationConcluded(
            complaint_id=self.id, lead_agency=self.lead_agency, outcome=outcome, note=note))
        self.step("mediation_concluded", actor=by, at=at, outcome=outcome, note=note)
        if lifecycle.status_after_mediation(outcome) == "closed":
            self._close("mediated", by=by, at=at)
        else:
            self._move_to("mediation_failed", at=at, schedule=schedule)

    def extend(self, *, reason: str, by: str, at: datetime, schedule: Schedule) -> None:
        """A report's verification gets its one extension (Art. 23)."""
        self.check("extend")
        if self.extended:
            allowed = [a for a in self.allowed_actions if a != "extend"]
            raise Conflict("verification was already extended once (Art. 23 allows one extension)",
                           status_now=self.status, allowed_actions=allowed)
        self.extended = True
        self.due_at = schedule.extended(self.due_at)
        self.step("verification_extended", actor=by, at=at, reason=reason)

    def escalate(self, *, reason: str, by: str, at: datetime) -> None:
        """Hand the violation to cases as a clue (complaint.escalated)."""
        self.check("escalate")
        self._move_to("escalated", at=at)
        self.record("complaint.escalated", ComplaintEscalated(
            complaint_id=self.id, kind=self.kind, category=self.category, subject=ref_of(self),
            lead_agency=self.lead_agency, reason=reason, escalated_by=by))
        self.step("escalated", actor=by, at=at, reason=reason)

    def close(self, *, by: str, at: datetime, outcome: str | None = None, reason: str | None = None) -> None:
        self.check("close")
        if self.kind == "report" and not reason:
            raise InvalidInput("closing a report needs the reason the reporter will be told", field="reason")
        self._close(outcome or _DEFAULT_CLOSE_OUTCOME[self.status], by=by, at=at, reason=reason)

    def _close(self, outcome: str, *, by: str, at: datetime, **detail) -> None:
        self._move_to("closed", at=at, outcome=outcome)
        self.record("complaint.closed", ComplaintClosed(complaint_id=self.id, lead_agency=self.lead_agency,
                                                        outcome=outcome))
        self.step("closed", actor=by, at=at, outcome=outcome, **detail)

    def release(self, *, note: str | None, by: str, at: datetime, schedule: Schedule, fast_channel: bool) -> None:
        """A held complaint goes on, its acceptance period counted from receipt; a dispute on a fast-channel
        platform goes to the platform."""
        self.check("release")
        self._move_to("received", at=at, schedule=schedule, due_from=self.received_at)
        self.step("released", actor=by, at=at, note=note)
        if self.kind == "complaint" and fast_channel:
            self.forward(platform=self.subject_platform, by=by, at=at, schedule=schedule)

    def reclassify(self, *, category: str, routing: Routing, reason: str, by: str, at: datetime,
                   schedule: Schedule) -> None:
        self.check("reclassify")
        previous = self.category
        self.category, self.category_source, self.category_terms = category, "officer", []
        self._reroute(routing, reason="reclassified", by=by, at=at, schedule=schedule, previous_category=previous,
                      note=reason)

    def identify_subject(self, *, uscc: str | None, name: str | None, platform: str | None,
                         shop_id: str | None, region: str, routing: Routing, by: str, at: datetime,
                         schedule: Schedule) -> None:
        """Name the subject of a complaint taken in by region only, and route it again."""
        self.check("identify_subject")
        self.subject_uscc, self.subject_name, self.subject_platform = uscc, name, platform
        self.subject_shop_id, self.subject_region = shop_id, region
        self._reroute(routing, reason="manual", by=by, at=at, schedule=schedule, subject_identified=True)

    def _reroute(self, routing: Routing, *, reason: str, by: str, at: datetime, schedule: Schedule,
                 **detail) -> None:
        """A new lead gets its own acceptance period."""
        lead_changed = routing.lead != self.lead_agency
        self.lead_agency, self.co_agencies = routing.lead, list(routing.co_agencies)
        if lead_changed:
            self._move_to(self.status, at=at, schedule=schedule)
        self.step(reason, actor=by, at=at, **detail)
        self.announce_routing(reason=reason, at=at)

    def announce_routing(self, *, reason: str, at: datetime) -> None:
        """complaint.routed to the lead and every co-handling agency."""
        self.record("complaint.routed", ComplaintRouted(
            complaint_id=self.id, category=self.category, region=self.subject_region, lead_agency=self.lead_agency,
            co_agencies=self.co_agencies, due_at=self.due_at or at, reason=reason,
            handed_over_from=self.handed_over_from))
        self.step("routed", actor="system", at=at, reason=reason, lead_agency=self.lead_agency,
                  co_agencies=self.co_agencies)
        if reason == "cross_region":
            self.step("handed_over", actor="system", at=at, from_agency=self.handed_over_from,
                      to_agency=self.lead_agency)

    # -- what the system does ----------------------------------------------------------------------------------

    def mark_overdue(self, *, at: datetime, schedule: Schedule) -> None:
        """The open step is past its deadline: reported once per due date; a mediation ends (Art. 21(5)); a
        platform that did not answer gives the complaint back to the agency."""
        step, due_at = lifecycle.STEP_OF_STATUS[self.status], self.due_at
        self.overdue_for = due_at
        if step == "mediation":
            self.conclude_mediation(outcome="expired", note="no agreement within the mediation period",
                                    by="system", at=at, schedule=schedule)
            return
        self.record("complaint.overdue", ComplaintOverdue(
            complaint_id=self.id, step=step, due_at=due_at, agency=self.lead_agency, region=self.subject_region))
        self.step("overdue", actor="system", at=at, step=step, due_at=due_at.isoformat())
        if step == "platform_response":
            self._move_to("received", at=at, schedule=schedule)
            self.step("returned_from_platform", actor="system", at=at, platform=self.forwarded_platform)

    def raise_cluster_alert(self, *, cluster_id: str, complaint_ids: list[str], window_days: int,
                            at: datetime) -> None:
        """打早打小: this complaint took its subject's complaints in the window to the next step."""
        self.record("complaint.cluster_alert", ComplaintClusterAlert(
            cluster_id=cluster_id, subject=ref_of(self), category=self.category, lead_agency=self.lead_agency,
            complaint_ids=complaint_ids, window_days=window_days, count=len(complaint_ids)))
        self.step("cluster_alert", actor="system", at=at, cluster_id=cluster_id, count=len(complaint_ids))

    def flag_complainant(self, *, flag_id: str, reasons: list[str], by: str, at: datetime,
                         complaints: int | None = None, subjects: int | None = None) -> None:
        """Announce, without personal data, that the complainant behind it is held for review."""
        self.record("complainant.flagged", ComplainantFlagged(
            complainant_key=self.complainant_key, reasons=reasons, flagged_by=by, complaints_in_window=complaints,
            subjects_in_window=subjects))
        self.step("complainant_flagged", actor=by, at=at, flag_id=flag_id, reasons=reasons)

    # -- what cases did (the loop back; only for what was handed over: consumers.py) ----------------------------

    def case_filed(self, *, case_id: str, by: str, at: datetime, **detail) -> None:
        """The clue it was handed over in became, or joined, a case."""
        self.case_id = case_id
        if self.status == "escalated":
            self._move_to("case_filed", at=at)
        self.step("case_filed", actor=by, at=at, case_id=case_id, **detail)

    def clue_dismissed(self, *, clue_id: str, reason: str | None, by: str, at: datetime, **detail) -> None:
        self.step("clue_dismissed", actor=by, at=at, clue_id=clue_id, reason=reason, **detail)
        if self.status == "escalated":
            self._close("clue_dismissed", by=by, at=at)

    def case_closed(self, *, case_id: str, outcome: str, by: str, at: datetime, **detail) -> None:
        self.step("case_closed", actor=by, at=at, case_id=case_id, outcome=outcome, **detail)
        if self.status in ("escalated", "case_filed"):
            self._close("case_closed", by=by, at=at, case_outcome=outcome)
