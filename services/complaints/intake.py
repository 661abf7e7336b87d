"""Intake: store a complaint once per channel reference, route it, hold or fast-forward it, watch for clusters."""
import uuid
from datetime import datetime, timezone

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events.payloads.complaints import ComplaintReceived
from shared.identity import Principal
from shared.runtime import ServiceRuntime
from shared.subjects import ref_of, resolve

from . import early_warning, routing
from .classification import load_rules
from .domain.classify import classify
from .handling import forward_to_platform
from .journal import Journal
from .schemas import Complainant, ComplaintCreate
from .tables import Complaint


async def submit_complaint(session: AsyncSession, *, runtime: ServiceRuntime, principal: Principal,
                           data: ComplaintCreate, now: datetime | None = None) -> tuple[Complaint, bool]:
    """Store and route a complaint; a repeat of channel + external_ref returns the stored one (created=False)."""
    existing = await _by_external_ref(session, data.channel, data.external_ref)
    if existing is not None:
        return existing, False
    now = now or datetime.now(timezone.utc)
    subject = data.subject
    ref = resolve(subject, runtime.settings.uscc_exception_set)
    uscc, region = ref.uscc, ref.region
    category, category_source, terms = _category(data, runtime)
    route = routing.route(runtime.registry, category, region)
    complainant = data.complainant.model_dump(exclude_none=True) if data.complainant else None
    complaint = Complaint(
        id=str(uuid.uuid4()), kind=data.kind, channel=data.channel, external_ref=data.external_ref,
        status="received", category=category, category_source=category_source, category_terms=terms,
        subject_uscc=uscc, subject_name=subject.name, subject_platform=subject.platform,
        subject_shop_id=subject.shop_id, subject_region=region, description=data.description,
        amount=data.amount, occurred_at=data.occurred_at,
        complainant_enc=runtime.cipher.encrypt_json(complainant) if complainant else None,
        complainant_key=_complainant_key(runtime, data.complainant),
        complainant_phone_key=(runtime.hasher.hash("phone", data.complainant.phone)
                               if data.complainant and data.complainant.phone else None),
        lead_agency=route.lead, co_agencies=list(route.co_agencies),
        intake_agency=principal.agency, created_by=principal.sub, received_at=now, updated_at=now,
        handed_over_from=routing.handed_over_from(runtime.registry, principal.agency, category, region),
    )
    await routing.assign(session, complaint, route, new=True)
    journal = Journal(session, runtime, complaint, now, new=True)
    journal.move_to("received")
    await journal.emit("complaint.received", ComplaintReceived(
        complaint_id=complaint.id, kind=data.kind, channel=data.channel, category=category,
        subject=ref_of(complaint), received_at=now, anonymous=complainant is None,
        complainant_key=complaint.complainant_key))
    journal.record("received", actor=principal.sub, channel=data.channel, category=category,
                   category_source=category_source, category_terms=terms)
    await routing.announce_routing(journal, reason="cross_region" if complaint.handed_over_from else "intake")

    if await early_warning.check_complainant(journal):
        journal.move_to("held", due_from=now)
        journal.record("held", actor="system", reason="the complainant is flagged for review")
    elif data.kind == "complaint" and runtime.settings.fast_channel(complaint.subject_platform):
        await forward_to_platform(journal, platform=complaint.subject_platform, actor="system")
    await early_warning.check_cluster(journal)
    try:
        await journal.save()  # the complaint's INSERT meets a concurrent twin here, or at the latest on commit
        await session.commit()
    except IntegrityError:
        # The same channel + external_ref committed concurrently: answer with that one.
        await session.rollback()
        existing = await _by_external_ref(session, data.channel, data.external_ref)
        if existing is None:
            raise
        return existing, False
    return complaint, True


_BY_EXTERNAL_REF = select(Complaint).where(Complaint.channel == bindparam("channel"),
                                           Complaint.external_ref == bindparam("external_ref"))


async def _by_external_ref(session: AsyncSession, channel: str, external_ref: str) -> Complaint | None:
    return (await session.exec(_BY_EXTERNAL_REF, params={"channel": channel, "external_ref": external_ref})).first()


def _category(data: ComplaintCreate, runtime: ServiceRuntime) -> tuple[str, str, list[str]]:
    """The channel's category, or one classified from the description with the terms that decided it."""
    if data.category:
        return data.category, "given", []
    result = classify(data.description, load_rules(runtime.settings.classification_path))
    return result.category, "classified" if result.matched_terms else "default", list(result.matched_terms)


def _complainant_key(runtime: ServiceRuntime, complainant: Complainant | None) -> str | None:
    """A keyed hash that counts complaints per person without storing who they are."""
    if complainant is None:
        return None
    if complainant.id_number:
        return runtime.hasher.hash("id_number", complainant.id_number)
    if complainant.phone:
        return runtime.hasher.hash("phone", complainant.phone)
    return None
