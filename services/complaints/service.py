"""Complaint use cases: load, apply the rules, save state and its events in one transaction."""
import uuid
from datetime import datetime, timezone

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events.payloads.common import SubjectRef
from shared.events.payloads.complaints import ComplaintReceived, ComplaintRouted
from shared.identity import Principal
from shared.pii import mask_contact
from shared.problems import InvalidInput, NotFound
from shared.registry import RegistryError, UnknownCategory
from shared.runtime import ServiceRuntime
from shared.uscc import InvalidUSCC, uscc_region, validate_uscc

from .classification import load_rules
from .domain.access import Access, read_access
from .domain.classify import classify
from .schemas import Complainant, ComplaintCreate, ComplaintPublic, SubjectPublic
from .tables import Complaint, ComplaintAgency, ComplaintStep

async def submit_complaint(session: AsyncSession, *, runtime: ServiceRuntime, principal: Principal,
                           data: ComplaintCreate) -> tuple[Complaint, bool]:
    """Store and route a complaint; a repeat of channel + external_ref returns the stored one (created=False)."""
    existing = await _by_external_ref(session, data.channel, data.external_ref)
    if existing is not None:
        return existing, False
    subject = data.subject
    uscc = _checked_uscc(subject.uscc, runtime)
    region = subject.region or uscc_region(uscc)
    category, category_source, terms = _category(data, runtime)
    try:
        runtime.registry.category(category)
    except UnknownCategory:
        raise InvalidInput(f"unknown category {category!r}; see GET /open311/v2/services.json",
                           field="category") from None
    try:
        routing = runtime.registry.route(category, region)
    except RegistryError as exc:
        raise InvalidInput(str(exc), field="subject.region") from None

    now = datetime.now(timezone.utc)
    complainant = data.complainant.model_dump(exclude_none=True) if data.complainant else None
    complaint = Complaint(
        id=str(uuid.uuid4()), kind=data.kind, channel=data.channel, external_ref=data.external_ref,
        status="received", category=category, category_source=category_source, category_terms=terms,
        subject_uscc=uscc, subject_name=subject.name, subject_platform=subject.platform,
        subject_shop_id=subject.shop_id, subject_region=region, description=data.description,
        amount=data.amount, occurred_at=data.occurred_at,
        complainant_enc=runtime.cipher.encrypt_json(complainant) if complainant else None,
        complainant_key=_complainant_key(runtime, data.complainant),
        lead_agency=routing.lead, co_agencies=routing.co_agencies, intake_agency=principal.agency,
        created_by=principal.sub, received_at=now,
        due_at=runtime.calendar.add_working_days(now, runtime.settings.acceptance_working_days),
    )
    session.add(complaint)
    session.add(ComplaintAgency(complaint_id=complaint.id, agency=routing.lead, role="lead"))
    for agency in routing.co_agencies:
        session.add(ComplaintAgency(complaint_id=complaint.id, agency=agency, role="co"))
    ref = SubjectRef(uscc=uscc, name=subject.name, platform=subject.platform, shop_id=subject.shop_id, region=region)
    received = await runtime.outbox.add(session, "complaint.received", subject=complaint.id, data=ComplaintReceived(
        complaint_id=complaint.id, kind=data.kind, channel=data.channel, category=category, subject=ref,
        received_at=now, anonymous=complainant is None, complainant_key=complaint.complainant_key))
    routed = await runtime.outbox.add(session, "complaint.routed", subject=complaint.id, data=ComplaintRouted(
        complaint_id=complaint.id, category=category, region=region, lead_agency=routing.lead,
        co_agencies=routing.co_agencies, due_at=complaint.due_at))
    session.add(ComplaintStep(complaint_id=complaint.id, at=now, actor=principal.sub, action="received",
                              detail={"channel": data.channel}, event_ids=[received.id]))
    session.add(ComplaintStep(complaint_id=complaint.id, at=now, actor="system", action="routed",
                              detail={"lead_agency": routing.lead, "co_agencies": routing.co_agencies},
                              due_at=complaint.due_at, event_ids=[routed.id]))
    try:
        await session.commit()
    except IntegrityError:
        # The same channel + external_ref committed concurrently: answer with that one.
        await session.rollback()
        existing = await _by_external_ref(session, data.channel, data.external_ref)
        if existing is None:
            raise
        return existing, False
    return complaint, True


async def get_visible(session: AsyncSession, *, runtime: ServiceRuntime, principal: Principal,
                      complaint_id: str) -> tuple[Complaint, Access]:
    """The complaint and how much of it the caller may see; 404 when it may see nothing."""
    complaint = await session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFound(f"no complaint {complaint_id}")
    access = read_access(principal, handling_agencies={complaint.lead_agency, *complaint.co_agencies},
                         subject_region=complaint.subject_region, intake_agency=complaint.intake_agency,
                         registry=runtime.registry)
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
        complainant=Complainant.model_construct(**contact) if contact else None,
        lead_agency=complaint.lead_agency, co_agencies=list(complaint.co_agencies),
        received_at=complaint.received_at, due_at=complaint.due_at,
    )


async def _by_external_ref(session: AsyncSession, channel: str, external_ref: str) -> Complaint | None:
    result = await session.exec(select(Complaint).where(Complaint.channel == channel,
                                                        Complaint.external_ref == external_ref))
    return result.first()


def _category(data: ComplaintCreate, runtime: ServiceRuntime) -> tuple[str, str, list[str]]:
    """The channel's category, or one classified from the description with the terms that decided it."""
    if data.category:
        return data.category, "given", []
    result = classify(data.description, load_rules(runtime.settings.classification_path))
    return result.category, "classified" if result.matched_terms else "default", list(result.matched_terms)


def _checked_uscc(uscc: str | None, runtime: ServiceRuntime) -> str | None:
    if uscc is None:
        return None
    try:
        return validate_uscc(uscc, runtime.settings.uscc_exception_set)
    except InvalidUSCC as exc:
        raise InvalidInput(f"invalid USCC: {exc}", field="subject.uscc") from None


def _complainant_key(runtime: ServiceRuntime, complainant: Complainant | None) -> str | None:
    """A keyed hash that counts complaints per person without storing who they are."""
    if complainant is None:
        return None
    if complainant.id_number:
        return runtime.hasher.hash("id_number", complainant.id_number)
    if complainant.phone:
        return runtime.hasher.hash("phone", complainant.phone)
    return None
