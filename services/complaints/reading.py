"""Scoped reads: one complaint, a filtered page of them, a timeline; personal data shown in full or masked."""
from sqlalchemy import and_, exists, func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.identity import Principal, regions_overseen
from shared.timeline import TimelineStep
from shared.pii import mask_contact
from shared.errors import NotFound
from shared.runtime import ServiceRuntime

from .domain.access import Access, read_access
from .domain.lifecycle import allowed_actions
from .schemas import ComplainantShown, ComplaintFilter, ComplaintPage, ComplaintPublic, SubjectPublic, Timeline
from .tables import Complaint, ComplaintAgency, ComplaintStep


def access_to(complaint: Complaint, principal: Principal, runtime: ServiceRuntime) -> Access:
    return read_access(principal, handling_agencies={complaint.lead_agency, *complaint.co_agencies},
                       subject_region=complaint.subject_region, intake_agency=complaint.intake_agency,
                       registry=runtime.registry, forwarded_platform=complaint.forwarded_platform)


async def get_visible(session: AsyncSession, *, runtime: ServiceRuntime, principal: Principal,
                      complaint_id: str) -> tuple[Complaint, Access]:
    """The complaint and how much of it the caller may see; 404 when it may see nothing."""
    complaint = await session.get(Complaint, complaint_id)
    access = Access.NONE if complaint is None else access_to(complaint, principal, runtime)
    if access is Access.NONE:
        raise NotFound(f"no complaint {complaint_id}")
    return complaint, access


def to_public(complaint: Complaint, *, runtime: ServiceRuntime, access: Access) -> ComplaintPublic:
    """The API view; personal data decrypted only to be shown in full or masked."""
    contact = runtime.cipher.decrypt_json(complaint.complainant_enc) if complaint.complainant_enc else None
    if contact is not None and access is not Access.FULL:
        contact = mask_contact(contact)
    return ComplaintPublic(
        id=complaint.id, kind=complaint.kind, channel=complaint.channel, external_ref=complaint.external_ref,
        status=complaint.status, category=complaint.category, category_source=complaint.category_source,
        category_terms=list(complaint.category_terms or []),
        subject=SubjectPublic(uscc=complaint.subject_uscc, name=complaint.subject_name,
                              platform=complaint.subject_platform, shop_id=complaint.subject_shop_id,
                              region=complaint.subject_region),
        description=complaint.description, amount=complaint.amount, occurred_at=complaint.occurred_at,
        complainant=ComplainantShown(**{field: contact.get(field) for field in ComplainantShown.model_fields})
        if contact else None,
        lead_agency=complaint.lead_agency, co_agencies=list(complaint.co_agencies),
        handed_over_from=complaint.handed_over_from, forwarded_platform=complaint.forwarded_platform,
        received_at=complaint.received_at, updated_at=complaint.updated_at, due_at=complaint.due_at,
        outcome=complaint.outcome, case_id=complaint.case_id, closed_at=complaint.closed_at,
        allowed_actions=allowed_actions(complaint.status, complaint.kind),
    )


def _exists_handled_by(agency: str, filters: ComplaintFilter):
    return exists().where(ComplaintAgency.complaint_id == Complaint.id, ComplaintAgency.agency == agency)


def _among_handled_by(agency: str, filters: ComplaintFilter):
    """The same set as `_exists_handled_by`, narrowed by what the agency rows carry: counted from their index
    alone, where the EXISTS form probes the agency rows once per complaint of that status and category."""
    rows = ComplaintAgency
    narrowed = [rows.agency == agency]
    if filters.status:
        narrowed.append(rows.status == filters.status)
    if filters.category:
        narrowed.append(rows.category == filters.category)
    if filters.received_from:
        narrowed.append(rows.received_at >= filters.received_from)
    if filters.received_to:
        narrowed.append(rows.received_at < filters.received_to)
    return Complaint.id.in_(select(rows.complaint_id).where(*narrowed))


def _scope(principal: Principal, runtime: ServiceRuntime, filters: ComplaintFilter, handled_by):
    """What the caller may list: handled by its agency, in the region it oversees, taken in by it, or
    forwarded to its platform. None means everything (admins and services)."""
    if principal.has_role("platform"):
        return Complaint.forwarded_platform == (principal.platform or "\0")
    if principal.has_role("admin", "service"):
        return None
    agency = principal.agency or "\0"
    clauses = []
    if principal.has_role("officer", "lead"):
        clauses.append(handled_by(agency, filters))
    if regions := regions_overseen(principal, runtime.registry):
        clauses.append(Complaint.subject_region.in_(regions))
    if principal.has_role("intake"):
        clauses.append(Complaint.intake_agency == agency)
    return or_(*clauses) if clauses else Complaint.id.is_(None)


async def list_complaints(session: AsyncSession, *, runtime: ServiceRuntime, principal: Principal,
                          filters: ComplaintFilter) -> ComplaintPage:
    conditions = []
    if filters.status:
        conditions.append(Complaint.status == filters.status)
    if filters.category:
        conditions.append(Complaint.category == filters.category)
    if filters.kind:
        conditions.append(Complaint.kind == filters.kind)
    if filters.subject:
        conditions.append(or_(Complaint.subject_uscc == filters.subject, Complaint.subject_shop_id == filters.subject))
    if filters.platform:
        conditions.append(Complaint.subject_platform == filters.platform)
    if filters.agency:
        conditions.append(exists().where(ComplaintAgency.complaint_id == Complaint.id,
                                         ComplaintAgency.agency == filters.agency))
    if filters.received_from:
        conditions.append(Complaint.received_at >= filters.received_from)
    if filters.received_to:
        conditions.append(Complaint.received_at < filters.received_to)

    def where(handled_by):
        scope = _scope(principal, runtime, filters, handled_by)
        return and_(True, *conditions, *([scope] if scope is not None else []))

    # Two shapes of one set: the count reads the agency rows' index; the page walks complaints newest first.
    total = await session.scalar(select(func.count()).select_from(Complaint).where(where(_among_handled_by)))
    rows = (await session.exec(select(Complaint).where(where(_exists_handled_by))
                               .order_by(Complaint.received_at.desc(), Complaint.id.desc())
                               .offset((filters.page - 1) * filters.size).limit(filters.size))).all()
    items = [to_public(c, runtime=runtime, access=access_to(c, principal, runtime)) for c in rows]
    return ComplaintPage(items=items, page=filters.page, size=filters.size, total=total)


async def timeline(session: AsyncSession, *, runtime: ServiceRuntime, principal: Principal,
                   complaint_id: str) -> Timeline:
    complaint, _ = await get_visible(session, runtime=runtime, principal=principal, complaint_id=complaint_id)
    steps = (await session.exec(select(ComplaintStep).where(ComplaintStep.complaint_id == complaint_id)
                                .order_by(ComplaintStep.id))).all()
    return Timeline(
        complaint_id=complaint.id, status=complaint.status, due_at=complaint.due_at,
        allowed_actions=allowed_actions(complaint.status, complaint.kind),
        steps=[TimelineStep(at=s.at, actor=s.actor, action=s.action, detail=s.detail, due_at=s.due_at,
                            events=s.events) for s in steps])

