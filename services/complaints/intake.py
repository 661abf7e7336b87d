"""Intake: store a complaint once per channel reference, route it, hold or fast-forward it, watch for clusters."""
import uuid

from sqlalchemy.exc import IntegrityError

from shared.identity import Principal
from shared.runtime import ServiceRuntime
from shared.subjects import resolve

from . import early_warning, routing
from .classification import load_rules
from .domain.classify import classify
from .domain.complaint import Complaint
from .repository import ComplaintsUnitOfWork
from .schemas import Complainant, ComplaintCreate


async def submit_complaint(*, uow: ComplaintsUnitOfWork, by: Principal,
                           data: ComplaintCreate) -> tuple[Complaint, bool]:
    """Store and route a complaint; a repeat of channel + external_ref returns the stored one (created=False)."""
    existing = await uow.complaints.by_external_ref(data.channel, data.external_ref)
    if existing is not None:
        return existing, False
    runtime, now = uow.runtime, uow.now
    subject = data.subject
    ref = resolve(subject, runtime.settings.uscc_exception_set)
    category, category_source, terms = _category(data, runtime)
    route = routing.route(runtime.registry, category, ref.region)
    complainant = data.complainant.model_dump(exclude_none=True) if data.complainant else None
    complaint = uow.complaints.add(Complaint.receive(
        id=str(uuid.uuid4()), kind=data.kind, channel=data.channel, external_ref=data.external_ref,
        category=category, category_source=category_source, category_terms=terms, routing=route, by=by.sub,
        at=now, schedule=uow.schedule,
        subject_uscc=ref.uscc, subject_name=subject.name, subject_platform=subject.platform,
        subject_shop_id=subject.shop_id, subject_region=ref.region, description=data.description,
        amount=data.amount, occurred_at=data.occurred_at,
        complainant_enc=runtime.cipher.encrypt_json(complainant) if complainant else None,
        complainant_key=_complainant_key(runtime, data.complainant),
        complainant_phone_key=(runtime.hasher.hash("phone", data.complainant.phone)
                               if data.complainant and data.complainant.phone else None),
        intake_agency=by.agency,
        handed_over_from=routing.handed_over_from(runtime.registry, by.agency, category, ref.region)))
    if await early_warning.check_complainant(uow, complaint):
        complaint.hold(at=now, schedule=uow.schedule)
    elif data.kind == "complaint" and runtime.settings.fast_channel(complaint.subject_platform):
        complaint.forward(platform=complaint.subject_platform, by="system", at=now, schedule=uow.schedule)
    await early_warning.check_cluster(uow, complaint)
    try:
        await uow.commit()  # the complaint's INSERT meets a concurrent twin here
    except IntegrityError:
        # The same channel + external_ref committed concurrently: answer with that one.
        await uow.rollback()
        existing = await uow.complaints.by_external_ref(data.channel, data.external_ref)
        if existing is None:
            raise
        return existing, False
    return complaint, True


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
