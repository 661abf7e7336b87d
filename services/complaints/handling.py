"""Officer and platform use cases on a complaint: load it for the caller, let the aggregate act, save.

Each is keyword-only and typed: `uow` is the transaction, `by` the caller. Who may act is decided here (the rule in
`domain/access.py`), whether the action may run now by the aggregate's state machine.
"""
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.identity import Principal, oversees
from shared.registry import UnknownPlatform
from shared.subjects import Subject, resolve

from . import early_warning, routing
from .domain.access import Access
from .domain.complaint import Complaint
from .reading import access_to
from .repository import ComplaintsUnitOfWork
from .tables import ComplainantFlag

_ROUTING_ACTIONS = {"reclassify", "identify_subject"}


async def load_for(uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, action: str) -> Complaint:
    """The complaint, under a row lock, once the caller may see it (404) and may take `action` on it (403)."""
    complaint = await uow.complaints.get(complaint_id, lock=True)
    if complaint is None or access_to(complaint, by, uow.runtime) is Access.NONE:
        raise NotFound(f"no complaint {complaint_id}")
    if action == "platform_response":
        if not (by.has_role("platform") and by.platform and by.platform == complaint.forwarded_platform):
            raise Forbidden("only the platform the complaint was forwarded to may answer it")
        return complaint
    leads_it = by.agency == complaint.lead_agency and by.has_role("officer", "lead")
    coordinates = action in _ROUTING_ACTIONS and oversees(by, complaint.subject_region, uow.runtime.registry)
    if not (leads_it or coordinates):
        raise Forbidden(f"only officers of the lead agency {complaint.lead_agency} may {action} this complaint")
    return complaint


async def _saved(uow: ComplaintsUnitOfWork, complaint: Complaint) -> Complaint:
    await uow.commit()
    return complaint


async def accept(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, note: str | None) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "accept")
    complaint.accept(by=by.sub, at=uow.now, schedule=uow.schedule, note=note)
    return await _saved(uow, complaint)


async def reject(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, ground: str,
                 note: str | None) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "reject")
    complaint.reject(ground=ground, by=by.sub, at=uow.now, note=note)
    return await _saved(uow, complaint)


async def forward(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, platform: str) -> Complaint:
    try:
        uow.runtime.registry.platform(platform)
    except UnknownPlatform:
        raise InvalidInput(f"unknown platform {platform!r}", field="platform") from None
    complaint = await load_for(uow, by, complaint_id, "forward")
    complaint.forward(platform=platform, by=by.sub, at=uow.now, schedule=uow.schedule)
    return await _saved(uow, complaint)


async def platform_response(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, outcome: str,
                            note: str | None) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "platform_response")
    complaint.answer_from_platform(outcome=outcome, note=note, by=by.sub, at=uow.now, schedule=uow.schedule)
    return await _saved(uow, complaint)


async def mediation(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, outcome: str,
                    note: str | None) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "mediation")
    complaint.conclude_mediation(outcome=outcome, note=note, by=by.sub, at=uow.now, schedule=uow.schedule)
    return await _saved(uow, complaint)


async def extend(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, reason: str) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "extend")
    complaint.extend(reason=reason, by=by.sub, at=uow.now, schedule=uow.schedule)
    return await _saved(uow, complaint)


async def escalate(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, reason: str) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "escalate")
    complaint.escalate(reason=reason, by=by.sub, at=uow.now)
    await uow.handovers.record([complaint.id], ("complaint", complaint.id), uow.now)
    return await _saved(uow, complaint)


async def close(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, outcome: str | None,
                reason: str | None) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "close")
    complaint.close(by=by.sub, at=uow.now, outcome=outcome, reason=reason)
    return await _saved(uow, complaint)


async def release(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, note: str | None) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "release")
    complaint.release(note=note, by=by.sub, at=uow.now, schedule=uow.schedule,
                      fast_channel=uow.runtime.settings.fast_channel(complaint.subject_platform))
    return await _saved(uow, complaint)


async def reclassify(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str, category: str,
                     reason: str) -> Complaint:
    complaint = await load_for(uow, by, complaint_id, "reclassify")
    route = routing.route(uow.runtime.registry, category, complaint.subject_region)
    complaint.reclassify(category=category, routing=route, reason=reason, by=by.sub, at=uow.now,
                         schedule=uow.schedule)
    await early_warning.check_cluster(uow, complaint)
    return await _saved(uow, complaint)


async def identify_subject(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str,
                           subject: Subject) -> Complaint:
    ref = resolve(subject, uow.runtime.settings.uscc_exception_set)
    complaint = await load_for(uow, by, complaint_id, "identify_subject")
    route = routing.route(uow.runtime.registry, complaint.category, ref.region)
    complaint.identify_subject(uscc=ref.uscc, name=ref.name, platform=ref.platform, shop_id=ref.shop_id,
                               region=ref.region, routing=route, by=by.sub, at=uow.now, schedule=uow.schedule)
    await early_warning.check_cluster(uow, complaint)
    return await _saved(uow, complaint)


async def flag_complainant(*, uow: ComplaintsUnitOfWork, by: Principal, complaint_id: str,
                           reason: str) -> ComplainantFlag:
    """An officer of a handling agency flags the complainant behind a complaint (恶意投诉举报)."""
    complaint = await uow.complaints.get(complaint_id)
    access = access_to(complaint, by, uow.runtime) if complaint is not None else Access.NONE
    if access is Access.NONE:
        raise NotFound(f"no complaint {complaint_id}")
    if access is not Access.FULL:
        raise Forbidden("only officers of a handling agency may flag a complainant")
    if not complaint.complainant_key:
        raise InvalidInput("this complaint has no identified complainant to flag", field="complaint_id")
    if await early_warning.active_flag(uow.session, complaint):
        raise Conflict("the complainant is already flagged", allowed_actions=[])
    flag = early_warning.flag(uow, complaint, reasons=[f"flagged by an officer: {reason}"], source="officer",
                              actor=by.sub)
    await uow.commit()
    return flag
