"""The serious dishonesty list (严重违法失信名单) and the joint sanctions (联合惩戒) that follow a listing: who may
act, what the aggregates are given, and the check before an agency acts."""
from sqlmodel import select

from shared.errors import Forbidden, InvalidInput, NotFound
from shared.identity import Principal
from shared.registry import RegistryError

from . import profile
from .domain.listing import Listing, ListingProposal
from .domain.record import Record
from .domain.sanctions import Sanction
from .repository import CreditUnitOfWork
from .tables import Sanction as SanctionRow


async def propose(*, uow: CreditUnitOfWork, record: Record, reasons: list[str], source: str,
                  by: str) -> ListingProposal:
    """Notice to the subject; a decision may come once the hearing period is over."""
    return uow.proposals.add(ListingProposal.propose(
        record=record, reasons=reasons, source=source, by=by, at=uow.now, calendar=uow.calendar,
        notice_days=uow.runtime.settings.listing_notice_days, open_one=await uow.proposals.open_for(record.id)))


async def propose_by_officer(*, uow: CreditUnitOfWork, by: Principal, uscc: str, record_id: str,
                             reasons: list[str]) -> ListingProposal:
    """An officer of the agency that decided the penalty proposes its listing."""
    record = await uow.records.get(record_id)
    if record is None or record.uscc != uscc or record.kind != "penalty":
        raise InvalidInput(f"subject {uscc} has no penalty record {record_id}", field="record_id")
    if by.agency != record.agency:
        raise Forbidden(f"only {record.agency}, which decided the penalty, proposes the listing")
    proposal = await propose(uow=uow, record=record, reasons=reasons, source="officer", by=by.sub)
    await uow.commit()
    return proposal


async def decide(*, uow: CreditUnitOfWork, by: Principal, proposal_id: str, decision: str,
                 reason: str) -> ListingProposal:
    proposal = await uow.proposals.get(proposal_id, lock=True)
    if proposal is None:
        raise NotFound(f"no listing proposal {proposal_id}")
    if not (by.agency == proposal.agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {proposal.agency}, which decided the penalty, decide on the listing")
    proposal.decide(decision=decision, reason=reason, by=by.sub, at=uow.now)
    if proposal.status == "listed":
        await _list(uow, proposal, reason=reason)
    await uow.commit()
    return proposal


async def _list(uow: CreditUnitOfWork, proposal: ListingProposal, *, reason: str) -> Listing:
    """List the subject and impose every catalogue measure on the agency of its function serving its region."""
    listing = uow.listings.add(Listing.of(proposal, reason=reason, rules=uow.rules, today=uow.today))
    uow.records.add(Record.note(kind="listing", uscc=listing.uscc, agency=proposal.agency, summary=listing.basis,
                                at=uow.now, today=uow.today))
    subject = await uow.subjects.get(listing.uscc)
    region = subject.region if subject else None
    executing, served = [], region or listing.uscc[2:8]
    for measure in uow.catalogue.values():
        try:
            executing.append((measure, uow.runtime.registry.agency_for(measure.function, served)))
        except RegistryError:
            continue  # no agency of that function serves the region: nothing to execute there
    for sanction in listing.impose(executing, at=uow.now, calendar=uow.calendar,
                                   execution_days=uow.runtime.settings.sanction_execution_working_days):
        uow.sanctions.add(sanction)
    await profile.recompute(uow, listing.uscc, region=region)
    return listing


async def delist(*, uow: CreditUnitOfWork, listing: Listing, reason: str) -> None:
    """The listing ends, its sanctions are lifted, and the subject is scored again."""
    listing.delist(reason=reason, sanctions=await uow.sanctions.of_listing(listing.id), at=uow.now)
    uow.records.add(Record.note(kind="delisting", uscc=listing.uscc, summary=reason, at=uow.now, today=uow.today))
    await profile.recompute(uow, listing.uscc)


async def report_execution(*, uow: CreditUnitOfWork, by: Principal, sanction_id: str,
                           note: str | None) -> Sanction:
    sanction = await uow.sanctions.get(sanction_id, lock=True)
    if sanction is None:
        raise NotFound(f"no sanction {sanction_id}")
    if not (by.agency == sanction.agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {sanction.agency}, which executes it, report on this sanction")
    sanction.execute(note=note, by=by.sub, at=uow.now)
    await uow.commit()
    return sanction


async def check(*, uow: CreditUnitOfWork, uscc: str, measure: str) -> dict:
    """Before an agency acts (a contract, a subsidy): may it, and on what basis. One indexed look-up."""
    if measure not in uow.catalogue:
        raise InvalidInput(f"unknown measure {measure!r}; one of {', '.join(uow.catalogue)}", field="measure")
    row = (await uow.session.exec(select(SanctionRow.id, SanctionRow.basis, SanctionRow.listing_id,
                                         SanctionRow.agency).where(
        SanctionRow.uscc == uscc, SanctionRow.measure == measure,
        SanctionRow.status.in_(("imposed", "executed"))))).first()
    if row is None:
        return {"uscc": uscc, "measure": measure, "allowed": True, "basis": None}
    return {"uscc": uscc, "measure": measure, "allowed": False, "basis": row.basis, "sanction_id": row.id,
            "listing_id": row.listing_id, "executing_agency": row.agency}
