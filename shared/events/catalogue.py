"""The event catalogue: every event type of the contract, its topic and its payload model."""
from dataclasses import dataclass

from pydantic import BaseModel

from . import topics
from .envelope import TYPE_PREFIX
from .payloads import cases, complaints, credit, notify


@dataclass(frozen=True)
class EventSpec:
    type: str  # without the `jointsup.` prefix
    topic: str
    payload: type[BaseModel]
    summary: str

    @property
    def full_type(self) -> str:
        return TYPE_PREFIX + self.type


def _specs(topic: str, *entries: tuple[str, type[BaseModel], str]) -> list[EventSpec]:
    return [EventSpec(t, topic, p, s) for t, p, s in entries]


CATALOGUE: dict[str, EventSpec] = {spec.type: spec for spec in [
    *_specs(
        topics.COMPLAINTS,
        ("complaint.received", complaints.ComplaintReceived, "A complaint or report came in from a channel."),
        ("complaint.routed", complaints.ComplaintRouted, "Lead and co-handling agencies assigned (1+N)."),
        ("complaint.accepted", complaints.ComplaintAccepted, "The lead agency accepted the complaint."),
        ("complaint.rejected", complaints.ComplaintRejected, "The lead agency did not accept, on a statutory ground."),
        ("complaint.forwarded_to_platform", complaints.ComplaintForwardedToPlatform, "Sent to the platform's fast channel."),
        ("complaint.platform_responded", complaints.ComplaintPlatformResponded, "The platform answered a forwarded complaint."),
        ("complaint.mediation_concluded", complaints.ComplaintMediationConcluded, "Mediation ended."),
        ("complaint.escalated", complaints.ComplaintEscalated, "The complaint or report becomes a clue in cases."),
        ("complaint.closed", complaints.ComplaintClosed, "The complaint was closed."),
        ("complaint.cluster_alert", complaints.ComplaintClusterAlert, "Many complaints on one subject (打早打小)."),
        ("complaint.overdue", complaints.ComplaintOverdue, "A complaint step passed its deadline."),
        ("complainant.flagged", complaints.ComplainantFlagged, "A complainant over the abuse thresholds (恶意投诉举报)."),
    ),
    *_specs(
        topics.CASES,
        ("clue.registered", cases.ClueRegistered, "A clue was registered for verification."),
        ("clue.verified", cases.ClueVerified, "A clue was filed as a case or dismissed."),
        ("case.filed", cases.CaseFiled, "A case was opened."),
        ("case.referred", cases.CaseReferred, "A case was referred to another agency (移送)."),
        ("referral.accepted", cases.ReferralStep, "The receiving agency accepted a referral."),
        ("referral.rejected", cases.ReferralStep, "The receiving agency rejected a referral."),
        ("referral.outcome_reported", cases.ReferralStep, "The receiving agency reported the outcome."),
        ("referral.overdue", cases.ReferralOverdue, "A referral step passed its deadline."),
        ("referral.forwarded", cases.ReferralStep, "A receiver not competent passed the referral on (to_agency)."),
        ("referral.review_requested", cases.ReferralStep, "The sender asked the receiver to review a refusal."),
        ("clue.overdue", cases.ClueOverdue, "A clue was not verified in time."),
        ("assist.overdue", cases.AssistOverdue, "An assistance request was not answered in time."),
        ("assist.requested", cases.AssistRequested, "Assisted investigation requested (协查)."),
        ("assist.responded", cases.AssistResponded, "Assisted investigation answered."),
        ("joint_action.started", cases.JointActionStarted, "Joint enforcement started (联合执法)."),
        ("joint_action.task_completed", cases.JointActionTaskCompleted, "A participant completed its task."),
        ("joint_action.completed", cases.JointActionCompleted, "Every task of a joint action is done."),
        ("case.decided", cases.CaseDecided, "A decision on a case, with its severity."),
        ("case.closed", cases.CaseClosed, "A case was closed."),
        ("case.overdue", cases.CaseOverdue, "A case step passed its deadline."),
    ),
    *_specs(
        topics.CREDIT,
        ("credit.record_added", credit.CreditRecordAdded, "A credit record was added."),
        ("credit.tier_changed", credit.CreditTierChanged, "A subject's risk tier moved."),
        ("credit.listing_proposed", credit.CreditListingProposed, "Notice of a proposed serious dishonesty listing."),
        ("credit.listed", credit.CreditListed, "Listed as seriously dishonest."),
        ("credit.delisted", credit.CreditDelisted, "Removed from the list."),
        ("credit.sanctions_imposed", credit.CreditSanctionsImposed, "Joint sanctions per executing agency (联合惩戒)."),
        ("credit.sanction_executed", credit.CreditSanctionExecuted, "An agency executed a sanction."),
        ("credit.sanction_overdue", credit.CreditSanctionOverdue, "An executing agency has not reported in time."),
        ("credit.repair_requested", credit.CreditRepairRequested, "Credit repair requested (信用修复)."),
        ("credit.repaired", credit.CreditRepaired, "Credit repair approved."),
        ("credit.observation_started", credit.CreditObservation, "An observation period started (观察期)."),
        ("credit.observation_ended", credit.CreditObservation, "An observation period ended."),
        ("inspection.draw_published", credit.InspectionDrawPublished, "A double-random inspection draw (双随机)."),
    ),
    *_specs(
        topics.NOTIFY,
        ("notification.delivered", notify.NotificationDelivered, "A notification was delivered."),
        ("notification.dead_lettered", notify.NotificationDeadLettered, "A notification failed after every attempt."),
    ),
]}


class UnknownEventType(KeyError):
    """A type the catalogue does not define."""


def spec_for(event_type: str) -> EventSpec:
    """The catalogue entry for a type, with or without the `jointsup.` prefix."""
    try:
        return CATALOGUE[event_type.removeprefix(TYPE_PREFIX)]
    except KeyError:
        raise UnknownEventType(event_type) from None
