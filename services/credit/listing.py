"""The serious dishonesty list (严重违法失信名单) and the joint sanctions (联合惩戒) that follow a listing."""
import uuid

from sqlmodel import select

from shared.db import for_update
from shared.events.payloads.credit import (CreditDelisted, CreditListed, CreditListingProposed,
                                           CreditSanctionExecuted, CreditSanctionsImposed, SanctionItem)
from shared.identity import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.registry import RegistryError

from . import profile
from .context import Credit
from .domain.publicity import listing_dates
from .tables import CreditRecord, Listing, ListingProposal, Sanction, Subject


async def propose(credit: Credit, record: CreditRecord, *, reasons: list[str], source: str,
                  actor: str) -> ListingProposal:
    """Notice to the subject (credit.listing_proposed); a decision may come once the hearing period is over."""
    if record.subjective_intent is False:
        raise InvalidInput("no listing where the decision records no subjective intent (Order 44 Art. 12)",
                           field="record_id")
    open_one = (await credit.session.exec(select(ListingProposal).where(
        ListingProposal.record_id == record.id, ListingProposal.status.in_(("noticed", "listed"))))).first()
    if open_one is not None:
        raise Conflict(f"record {record.id} already has a listing proposal ({open_one.status})",
                       status_now=open_one.status, allowed_actions=[])
    proposal = ListingProposal(
        id=str(uuid.uuid4()), uscc=record.uscc, record_id=record.id, agency=record.agency, reasons=reasons,
        source=source, status="noticed", created_by=actor, created_at=credit.now,
        hearing_due_at=credit.runtime.calendar.add_working_days(credit.now,
                                                                credit.runtime.settings.listing_notice_days))
    credit.session.add(proposal)
    await credit.emit("credit.listing_proposed", CreditListingProposed(
        proposal_id=proposal.id, uscc=record.uscc, reasons=reasons, hearing_due_at=proposal.hearing_due_at),
        key=record.uscc)
    return proposal


def auto_proposal_reasons(credit: Credit, record: CreditRecord) -> list[str] | None:
    """Order 44 Art. 2 as data: a decision of a listed severity, unless no subjective intent is recorded."""
    if record.outcome != "penalty" or record.severity not in credit.rules.listing_severities:
        return None
    if record.subjective_intent is False:
        return None
    return [f"a {record.severity} violation with a heavier penalty ({', '.join(record.measures)}), "
            f"{record.legal_basis or 'basis on the decision'}"]


async def decide(credit: Credit, principal: Principal, proposal_id: str, *, decision: str,
                 reason: str) -> ListingProposal:
    proposal = (await credit.session.exec(for_update(
        select(ListingProposal).where(ListingProposal.id == proposal_id), credit.session))).first()
    if proposal is None:
        raise NotFound(f"no listing proposal {proposal_id}")
    if not (principal.agency == proposal.agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {proposal.agency}, which decided the penalty, decide on the listing")
    if proposal.status != "noticed":
        raise Conflict(f"the proposal was already decided ({proposal.status})", status_now=proposal.status,
                       allowed_actions=[])
    if decision == "list" and credit.now < proposal.hearing_due_at:
        raise Conflict(f"the subject may be heard until {proposal.hearing_due_at.isoformat()}",
                       status_now=proposal.status, allowed_actions=["drop"])
    proposal.status = "listed" if decision == "list" else "dropped"
    proposal.decided_by, proposal.decision_reason = principal.sub, reason
    credit.session.add(proposal)
    if decision == "list":
        await _list(credit, proposal, reason=reason)
    await credit.session.commit()
    return proposal


async def _list(credit: Credit, proposal: ListingProposal, *, reason: str) -> Listing:
    record = await credit.session.get(CreditRecord, proposal.record_id)
    request_from, remove_by = listing_dates(credit.rules, credit.today)
    basis = "; ".join([*proposal.reasons, reason])
    listing = Listing(id=str(uuid.uuid4()), uscc=proposal.uscc, proposal_id=proposal.id, record_id=record.id,
                      basis=basis, status="active", listed_on=credit.today, removal_request_from=request_from,
                      remove_by=remove_by)
    credit.session.add(listing)
    credit.session.add(CreditRecord(id=str(uuid.uuid4()), subject_kind="market", uscc=proposal.uscc, kind="listing",
                                    agency=proposal.agency, summary=basis, decided_on=credit.today,
                                    created_at=credit.now))
    await credit.session.flush()
    await credit.emit("credit.listed", CreditListed(listing_id=listing.id, uscc=listing.uscc, basis=basis,
                                                    listed_on=listing.listed_on, removal_request_from=request_from,
                                                    remove_by=remove_by), key=listing.uscc)
    await _impose_sanctions(credit, listing)
    subject = await credit.session.get(Subject, listing.uscc)
    await profile.recompute(credit, listing.uscc, region=subject.region if subject else None)
    return listing


async def _impose_sanctions(credit: Credit, listing: Listing) -> None:
    """Every measure of the catalogue, each to the agency of its function serving the subject's region."""
    subject = await credit.session.get(Subject, listing.uscc)
    region = (subject.region if subject else None) or listing.uscc[2:8]
    due = credit.runtime.calendar.add_working_days(credit.now, credit.runtime.settings.sanction_execution_working_days)
    items = []
    for measure in credit.catalogue.values():
        try:
            agency = credit.runtime.registry.agency_for(measure.function, region)
        except RegistryError:
            continue  # no agency of that function serves the region: nothing to execute there
        sanction = Sanction(id=str(uuid.uuid4()), listing_id=listing.id, uscc=listing.uscc, measure=measure.code,
                            agency=agency, basis=measure.basis, status="imposed", due_at=due)
        credit.session.add(sanction)
        items.append(SanctionItem(sanction_id=sanction.id, agency=agency, measure=measure.code, basis=measure.basis))
    await credit.emit("credit.sanctions_imposed", CreditSanctionsImposed(uscc=listing.uscc, listing_id=listing.id,
                                                                         sanctions=items), key=listing.uscc)


async def delist(credit: Credit, listing: Listing, *, reason: str) -> None:
    """credit.delisted lifts every sanction of the listing."""
    listing.status, listing.removed_at, listing.removal_reason = "removed", credit.now, reason
    credit.session.add(listing)
    for sanction in (await credit.session.exec(select(Sanction).where(Sanction.listing_id == listing.id,
                                                                      Sanction.status != "lifted"))).all():
        sanction.status, sanction.lifted_at, sanction.due_at = "lifted", credit.now, None
        credit.session.add(sanction)
    credit.session.add(CreditRecord(id=str(uuid.uuid4()), subject_kind="market", uscc=listing.uscc,
                                    kind="delisting", summary=reason, decided_on=credit.today,
                                    created_at=credit.now))
    await credit.emit("credit.delisted", CreditDelisted(listing_id=listing.id, uscc=listing.uscc, reason=reason),
                      key=listing.uscc)
    await credit.session.flush()
    await profile.recompute(credit, listing.uscc)


async def active_listing_on(credit: Credit, record_id: str) -> Listing | None:
    return (await credit.session.exec(select(Listing).where(Listing.record_id == record_id,
                                                            Listing.status == "active"))).first()


async def report_execution(credit: Credit, principal: Principal, sanction_id: str, *, note: str | None) -> Sanction:
    sanction = (await credit.session.exec(for_update(select(Sanction).where(Sanction.id == sanction_id),
                                                     credit.session))).first()
    if sanction is None:
        raise NotFound(f"no sanction {sanction_id}")
    if not (principal.agency == sanction.agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of {sanction.agency}, which executes it, report on this sanction")
    if sanction.status != "imposed":
        raise Conflict(f"the sanction is {sanction.status}", status_now=sanction.status, allowed_actions=[])
    sanction.status, sanction.executed_at, sanction.executed_by = "executed", credit.now, principal.sub
    sanction.note, sanction.due_at = note, None
    credit.session.add(sanction)
    await credit.emit("credit.sanction_executed", CreditSanctionExecuted(
        sanction_id=sanction.id, uscc=sanction.uscc, agency=sanction.agency, measure=sanction.measure, note=note),
        key=sanction.uscc)
    await credit.session.commit()
    return sanction


async def check(credit: Credit, uscc: str, measure: str) -> dict:
    """Before an agency acts (a contract, a subsidy): may it, and on what basis. One indexed look-up."""
    if measure not in credit.catalogue:
        raise InvalidInput(f"unknown measure {measure!r}; one of {', '.join(credit.catalogue)}", field="measure")
    row = (await credit.session.exec(select(Sanction.id, Sanction.basis, Sanction.listing_id, Sanction.agency).where(
        Sanction.uscc == uscc, Sanction.measure == measure, Sanction.status.in_(("imposed", "executed"))))).first()
    if row is None:
        return {"uscc": uscc, "measure": measure, "allowed": True, "basis": None}
    return {"uscc": uscc, "measure": measure, "allowed": False, "basis": row.basis, "sanction_id": row.id,
            "listing_id": row.listing_id, "executing_agency": row.agency}
