"""The event catalogue: every event type of the contract, its topic and its payload model."""
from dataclasses import dataclass

from pydantic import BaseModel

from . import topics
from .envelope import TYPE_PREFIX
from .payloads import cases as ca
from .payloads import complaints as co
from .payloads import credit as cr
from .payloads import notify as no


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
        ("complaint.received", co.ComplaintReceived, "A complaint or report came in from a channel."),
        ("complaint.routed", co.ComplaintRouted, "Lead and co-handling agencies assigned (1+N)."),
        ("complaint.accepted", co.ComplaintAccepted, "The lead agency accepted the complaint."),
        ("complaint.rejected", co.ComplaintRejected, "The lead agency did not accept, on a statutory ground."),
        ("complaint.forwarded_to_platform", co.ComplaintForwardedToPlatform, "Sent to the platform's fast channel."),
        ("complaint.platform_responded", co.ComplaintPlatformResponded, "The platform answered a forwarded complaint."),
        ("complaint.mediation_concluded", co.ComplaintMediationConcluded, "Mediation ended."),
        ("complaint.escalated", co.ComplaintEscalated, "The complaint or report becomes a clue in cases."),
        ("complaint.closed", co.ComplaintClosed, "The complaint was closed."),
        ("complaint.cluster_alert", co.ComplaintClusterAlert, "Many complaints on one subject (打早打小)."),
        ("complaint.overdue", co.ComplaintOverdue, "A complaint step passed its deadline."),
        ("complainant.flagged", co.ComplainantFlagged, "A complainant over the abuse thresholds (恶意投诉举报)."),
    ),
    *_specs(
        topics.CASES,
        ("clue.registered", ca.ClueRegistered, "A clue was registered for verification."),
        ("clue.verified", ca.ClueVerified, "A clue was filed as a case or dismissed."),
        ("case.filed", ca.CaseFiled, "A case was opened."),
        ("case.referred", ca.CaseReferred, "A case was referred to another agency (移送)."),
        ("referral.accepted", ca.ReferralStep, "The receiving agency accepted a referral."),
        ("referral.rejected", ca.ReferralStep, "The receiving agency rejected a referral."),
        ("referral.outcome_reported", ca.ReferralStep, "The receiving agency reported the outcome."),
        ("referral.overdue", ca.ReferralOverdue, "A referral step passed its deadline."),
        ("referral.forwarded", ca.ReferralStep, "A receiver not competent passed the referral on (to_agency)."),
        ("referral.review_requested", ca.ReferralStep, "The sender asked the receiver to review a refusal."),
        ("clue.overdue", ca.ClueOverdue, "A clue was not verified in time."),
        ("assist.overdue", ca.AssistOverdue, "An assistance request was not answered in time."),
        ("assist.requested", ca.AssistRequested, "Assisted investigation requested (协查)."),
        ("assist.responded", ca.AssistResponded, "Assisted investigation answered."),
        ("joint_action.started", ca.JointActionStarted, "Joint enforcement started (联合执法)."),
        ("joint_action.task_completed", ca.JointActionTaskCompleted, "A participant completed its task."),
        ("joint_action.completed", ca.JointActionCompleted, "Every task of a joint action is done."),
        ("case.decided", ca.CaseDecided, "A decision on a case, with its severity."),
        ("case.closed", ca.CaseClosed, "A case was closed."),
        ("case.overdue", ca.CaseOverdue, "A case step passed its deadline."),
    ),
    *_specs(
        topics.CREDIT,
        ("credit.record_added", cr.CreditRecordAdded, "A credit record was added."),
        ("credit.tier_changed", cr.CreditTierChanged, "A subject's risk tier moved."),
        ("credit.listing_proposed", cr.CreditListingProposed, "Notice of a proposed serious dishonesty listing."),
        ("credit.listed", cr.CreditListed, "Listed as seriously dishonest."),
        ("credit.delisted", cr.CreditDelisted, "Removed from the list."),
        ("credit.sanctions_imposed", cr.CreditSanctionsImposed, "Joint sanctions per executing agency (联合惩戒)."),
        ("credit.sanction_executed", cr.CreditSanctionExecuted, "An agency executed a sanction."),
        ("credit.sanction_overdue", cr.CreditSanctionOverdue, "An executing agency has not reported in time."),
        ("credit.repair_requested", cr.CreditRepairRequested, "Credit repair requested (信用修复)."),
        ("credit.repaired", cr.CreditRepaired, "Credit repair approved."),
        ("credit.observation_started", cr.CreditObservation, "An observation period started (观察期)."),
        ("credit.observation_ended", cr.CreditObservation, "An observation period ended."),
        ("inspection.draw_published", cr.InspectionDrawPublished, "A double-random inspection draw (双随机)."),
    ),
    *_specs(
        topics.NOTIFY,
        ("notification.delivered", no.NotificationDelivered, "A notification was delivered."),
        ("notification.dead_lettered", no.NotificationDeadLettered, "A notification failed after every attempt."),
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
