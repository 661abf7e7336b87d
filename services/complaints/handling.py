"""Officer and platform actions on a complaint: each checked against the state machine and the caller's role."""
from datetime import datetime, timezone

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import for_update
from shared.events.payloads.complaints import (ComplaintAccepted, ComplaintClosed, ComplaintEscalated,
                                               ComplaintForwardedToPlatform, ComplaintMediationConcluded,
                                               ComplaintPlatformResponded, ComplaintRejected)
from shared.identity import Principal, oversees
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.registry import UnknownPlatform
from shared.runtime import ServiceRuntime
from shared.subjects import Subject, ref_of, resolve

from . import early_warning, handovers, routing
from .domain import lifecycle
from .domain.access import Access
from .domain.grounds import REJECTION_GROUNDS
from .journal import Journal
from .reading import access_to
from .tables import Complaint

_ROUTING_ACTIONS = {"reclassify", "identify_subject"}


class Action:
    """Load a complaint for one action, under a row lock, after checking who asks and whether it may run now."""

    def __init__(self, session: AsyncSession, runtime: ServiceRuntime, principal: Principal, name: str):
        self.session, self.runtime, self.principal, self.name = session, runtime, principal, name

    async def load(self, complaint_id: str, now: datetime | None = None) -> Journal:
        query = for_update(select(Complaint).where(Complaint.id == complaint_id), self.session)
        complaint = (await self.session.exec(query)).first()
        if complaint is None or access_to(complaint, self.principal, self.runtime) is Access.NONE:
            raise NotFound(f"no complaint {complaint_id}")
        self._authorise(complaint)
        try:
            lifecycle.check(self.name, complaint.status, complaint.kind)
        except lifecycle.TransitionNotAllowed as exc:
            raise Conflict(str(exc), status_now=complaint.status, allowed_actions=exc.allowed) from None
        return Journal(self.session, self.runtime, complaint, now or datetime.now(timezone.utc))

    def _authorise(self, complaint: Complaint) -> None:
        p = self.principal
        if self.name == "platform_response":
            if not (p.has_role("platform") and p.platform and p.platform == complaint.forwarded_platform):
                raise Forbidden("only the platform the complaint was forwarded to may answer it")
            return
        leads_it = p.agency == complaint.lead_agency and p.has_role("officer", "lead")
        coordinates = self.name in _ROUTING_ACTIONS and oversees(p, complaint.subject_region, self.runtime.registry)
        if not (leads_it or coordinates):
            raise Forbidden(f"only officers of the lead agency {complaint.lead_agency} may {self.name} this complaint")


async def _done(journal: Journal) -> Complaint:
    await journal.save()
    await journal.session.commit()
    return journal.complaint


async def accept(session, runtime, principal, complaint_id: str, *, note: str | None) -> Complaint:
    journal = await Action(session, runtime, principal, "accept").load(complaint_id)
    complaint = journal.complaint
    complaint.accepted_at = journal.now
    journal.move_to(lifecycle.status_after_acceptance(complaint.kind))
    await journal.emit("complaint.accepted", ComplaintAccepted(
        complaint_id=complaint.id, lead_agency=complaint.lead_agency, decided_by=principal.sub,
        next_due_at=complaint.due_at))
    journal.record("accepted", actor=principal.sub, note=note)
    return await _done(journal)


async def reject(session, runtime, principal, complaint_id: str, *, ground: str, note: str | None) -> Complaint:
    if ground not in REJECTION_GROUNDS:
        raise InvalidInput(f"unknown ground {ground!r}; one of {', '.join(REJECTION_GROUNDS)}", field="grounds.code")
    journal = await Action(session, runtime, principal, "reject").load(complaint_id)
    complaint = journal.complaint
    journal.move_to("rejected", outcome=ground)
    await journal.emit("complaint.rejected", ComplaintRejected(
        complaint_id=complaint.id, lead_agency=complaint.lead_agency, ground=ground, note=note,
        decided_by=principal.sub))
    journal.record("rejected", actor=principal.sub, ground=ground, note=note)
    return await _done(journal)


async def forward(session, runtime, principal, complaint_id: str, *, platform: str) -> Complaint:
    try:
        runtime.registry.platform(platform)
    except UnknownPlatform:
        raise InvalidInput(f"unknown platform {platform!r}", field="platform") from None
    journal = await Action(session, runtime, principal, "forward").load(complaint_id)
    if journal.complaint.subject_platform not in (None, platform):
        raise InvalidInput(f"the subject trades on {journal.complaint.subject_platform!r}, not {platform!r}",
                           field="platform")
    await forward_to_platform(journal, platform=platform, actor=principal.sub)
    return await _done(journal)


async def forward_to_platform(journal: Journal, *, platform: str, actor: str) -> None:
    """The fast channel (投诉纠纷快速处置通道): the platform answers before the agency decides on acceptance."""
    complaint = journal.complaint
    complaint.forwarded_platform, complaint.forwarded_at = platform, journal.now
    journal.move_to("forwarded")
    await journal.emit("complaint.forwarded_to_platform", ComplaintForwardedToPlatform(
        complaint_id=complaint.id, platform=platform, shop_id=complaint.subject_shop_id,
        category=complaint.category, due_at=complaint.due_at))
    journal.record("forwarded", actor=actor, platform=platform)


async def platform_response(session, runtime, principal, complaint_id: str, *, outcome: str,
                            note: str | None) -> Complaint:
    journal = await Action(session, runtime, principal, "platform_response").load(complaint_id)
    complaint = journal.complaint
    await journal.emit("complaint.platform_responded", ComplaintPlatformResponded(
        complaint_id=complaint.id, platform=complaint.forwarded_platform, outcome=outcome, note=note))
    if lifecycle.status_after_platform_response(outcome) == "closed":
        journal.record("platform_responded", actor=principal.sub, outcome=outcome, note=note)
        await close_with(journal, "resolved_by_platform", actor=principal.sub)
    else:
        journal.move_to("received")
        journal.record("platform_responded", actor=principal.sub, outcome=outcome, note=note)
    return await _done(journal)


async def mediation(session, runtime, principal, complaint_id: str, *, outcome: str, note: str | None) -> Complaint:
    journal = await Action(session, runtime, principal, "mediation").load(complaint_id)
    await conclude_mediation(journal, outcome=outcome, note=note, actor=principal.sub)
    return await _done(journal)


async def conclude_mediation(journal: Journal, *, outcome: str, note: str | None, actor: str) -> None:
    """success closes the complaint; failure or expiry (Art. 21(5)) leaves the parties to be told (7 wd)."""
    complaint = journal.complaint
    await journal.emit("complaint.mediation_concluded", ComplaintMediationConcluded(
        complaint_id=complaint.id, lead_agency=complaint.lead_agency, outcome=outcome, note=note))
    journal.record("mediation_concluded", actor=actor, outcome=outcome, note=note)
    if lifecycle.status_after_mediation(outcome) == "closed":
        await close_with(journal, "mediated", actor=actor)
    else:
        journal.move_to("mediation_failed")


async def extend(session, runtime, principal, complaint_id: str, *, reason: str) -> Complaint:
    journal = await Action(session, runtime, principal, "extend").load(complaint_id)
    complaint = journal.complaint
    if complaint.extended:
        allowed = [a for a in lifecycle.allowed_actions(complaint.status, complaint.kind) if a != "extend"]
        raise Conflict("verification was already extended once (Art. 23 allows one extension)",
                       status_now=complaint.status, allowed_actions=allowed)
    complaint.extended = True
    complaint.due_at = runtime.settings.deadlines.extended(complaint.due_at, runtime.calendar)
    journal.record("verification_extended", actor=principal.sub, reason=reason)
    return await _done(journal)


async def escalate(session, runtime, principal, complaint_id: str, *, reason: str) -> Complaint:
    journal = await Action(session, runtime, principal, "escalate").load(complaint_id)
    complaint = journal.complaint
    journal.move_to("escalated")
    await handovers.record(session, [complaint.id], ("complaint", complaint.id), journal.now)
    await journal.emit("complaint.escalated", ComplaintEscalated(
        complaint_id=complaint.id, kind=complaint.kind, category=complaint.category,
        subject=ref_of(complaint), lead_agency=complaint.lead_agency, reason=reason,
        escalated_by=principal.sub))
    journal.record("escalated", actor=principal.sub, reason=reason)
    return await _done(journal)


_DEFAULT_CLOSE_OUTCOME = {"mediating": "withdrawn", "mediation_failed": "mediation_failed",
                          "verifying": "not_substantiated", "escalated": "closed_by_agency",
                          "case_filed": "closed_by_agency"}


async def close(session, runtime, principal, complaint_id: str, *, outcome: str | None,
                reason: str | None) -> Complaint:
    journal = await Action(session, runtime, principal, "close").load(complaint_id)
    complaint = journal.complaint
    if complaint.kind == "report" and not reason:
        raise InvalidInput("closing a report needs the reason the reporter will be told", field="reason")
    await close_with(journal, outcome or _DEFAULT_CLOSE_OUTCOME[complaint.status], actor=principal.sub,
                     reason=reason)
    return await _done(journal)


async def close_with(journal: Journal, outcome: str, *, actor: str, **detail) -> None:
    complaint = journal.complaint
    journal.move_to("closed", outcome=outcome)
    await journal.emit("complaint.closed", ComplaintClosed(
        complaint_id=complaint.id, lead_agency=complaint.lead_agency, outcome=outcome))
    journal.record("closed", actor=actor, outcome=outcome, **detail)


async def release(session, runtime, principal, complaint_id: str, *, note: str | None) -> Complaint:
    journal = await Action(session, runtime, principal, "release").load(complaint_id)
    complaint = journal.complaint
    journal.move_to("received", due_from=complaint.received_at)
    journal.record("released", actor=principal.sub, note=note)
    if complaint.kind == "complaint" and runtime.settings.fast_channel(complaint.subject_platform):
        await forward_to_platform(journal, platform=complaint.subject_platform, actor=principal.sub)
    return await _done(journal)


async def reclassify(session, runtime, principal, complaint_id: str, *, category: str, reason: str) -> Complaint:
    journal = await Action(session, runtime, principal, "reclassify").load(complaint_id)
    complaint = journal.complaint
    previous = complaint.category
    complaint.category, complaint.category_source, complaint.category_terms = category, "officer", []
    await _reroute(journal, reason="reclassified", actor=principal.sub, previous_category=previous, note=reason)
    return await _done(journal)


async def identify_subject(session, runtime, principal, complaint_id: str, *, subject: Subject) -> Complaint:
    ref = resolve(subject, runtime.settings.uscc_exception_set)
    journal = await Action(session, runtime, principal, "identify_subject").load(complaint_id)
    complaint = journal.complaint
    complaint.subject_uscc, complaint.subject_name = ref.uscc, ref.name
    complaint.subject_platform, complaint.subject_shop_id = ref.platform, ref.shop_id
    complaint.subject_region = ref.region
    await _reroute(journal, reason="manual", actor=principal.sub, subject_identified=True)
    return await _done(journal)


async def _reroute(journal: Journal, *, reason: str, actor: str, **detail) -> None:
    """Route again after a category or subject change; a new lead gets its own acceptance period."""
    complaint = journal.complaint
    route = routing.route(journal.runtime.registry, complaint.category, complaint.subject_region)
    lead_changed = route.lead != complaint.lead_agency
    await routing.assign(journal.session, complaint, route)
    if lead_changed:
        journal.move_to(complaint.status)
    journal.record(reason, actor=actor, **detail)
    await routing.announce_routing(journal, reason=reason)
    await early_warning.check_cluster(journal)


async def flag_complainant(session, runtime, principal, complaint_id: str, *, reason: str):
    """An officer of a handling agency flags the complainant behind a complaint (恶意投诉举报)."""
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None or access_to(complaint, principal, runtime) is Access.NONE:
        raise NotFound(f"no complaint {complaint_id}")
    if access_to(complaint, principal, runtime) is not Access.FULL:
        raise Forbidden("only officers of a handling agency may flag a complainant")
    if not complaint.complainant_key:
        raise InvalidInput("this complaint has no identified complainant to flag", field="complaint_id")
    journal = Journal(session, runtime, complaint, datetime.now(timezone.utc))
    if await early_warning.active_flag(session, complaint):
        raise Conflict("the complainant is already flagged", allowed_actions=[])
    flag = await early_warning.flag(journal, reasons=[f"flagged by an officer: {reason}"], source="officer",
                                    actor=principal.sub)
    await _done(journal)
    return flag
