"""1+N routing of a complaint, and the hand-over record when the subject sits in another city."""
from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.events.payloads.complaints import ComplaintRouted
from shared.identity.principal import region_of_agency
from shared.errors import InvalidInput
from shared.registry import Registry, RegistryError, Routing, UnknownCategory

from .journal import Journal
from .tables import Complaint, ComplaintAgency


def route(registry: Registry, category: str, region: str) -> Routing:
    """The lead and co-handling agencies; 422 naming the field when the category or region is not served."""
    try:
        registry.category(category)
    except UnknownCategory:
        raise InvalidInput(f"unknown category {category!r}; see GET /open311/v2/services.json",
                           field="category") from None
    try:
        return registry.route(category, region)
    except RegistryError as exc:
        raise InvalidInput(f"the subject's region is outside every region served: {exc}",
                           field="subject.region") from None


def handed_over_from(registry: Registry, intake_agency: str | None, category: str, region: str) -> str | None:
    """The agency that would have handled it in the intake's city, when the subject's city is another one."""
    intake_region = region_of_agency(intake_agency)
    if intake_region is None:
        return None
    try:
        intake_city, subject_city = registry.city_of(intake_region), registry.city_of(region)
        if intake_city is None or subject_city is None or intake_city == subject_city:
            return None
        return registry.route(category, intake_city).lead
    except RegistryError:
        return None


async def assign(session: AsyncSession, complaint: Complaint, routing: Routing, *, new: bool = False) -> None:
    """Make `routing` the complaint's handling agencies (the rows behind scoped reads); a `new` complaint's rows
    are written with it (Journal.save)."""
    complaint.lead_agency, complaint.co_agencies = routing.lead, list(routing.co_agencies)
    if new:
        return
    await session.exec(delete(ComplaintAgency).where(ComplaintAgency.complaint_id == complaint.id))
    for agency, role in ((routing.lead, "lead"), *((agency, "co") for agency in routing.co_agencies)):
        session.add(ComplaintAgency(complaint_id=complaint.id, agency=agency, role=role, status=complaint.status,
                                    category=complaint.category, received_at=complaint.received_at))


async def announce_routing(journal: Journal, *, reason: str) -> None:
    """complaint.routed to the lead and every co-handling agency, and its timeline step."""
    complaint = journal.complaint
    await journal.emit("complaint.routed", ComplaintRouted(
        complaint_id=complaint.id, category=complaint.category, region=complaint.subject_region,
        lead_agency=complaint.lead_agency, co_agencies=complaint.co_agencies,
        due_at=complaint.due_at or journal.now, reason=reason, handed_over_from=complaint.handed_over_from))
    journal.record("routed", actor="system", reason=reason, lead_agency=complaint.lead_agency,
                   co_agencies=complaint.co_agencies)
    if reason == "cross_region":
        journal.record("handed_over", actor="system", from_agency=complaint.handed_over_from,
                       to_agency=complaint.lead_agency)

