"""The serious dishonesty list (严重违法失信名单): a proposal with notice to the subject, decided after the hearing
period; a listing that imposes the joint sanctions and ends by repair, revocation or after three years."""
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from shared.domain import Aggregate
from shared.errors import Conflict, InvalidInput
from shared.events.payloads.credit import (CreditDelisted, CreditListed, CreditListingProposed,
                                           CreditSanctionsImposed, SanctionItem)
from shared.workdays import WorkingCalendar

from .publicity import listing_dates
from .record import Record
from .rules import CreditRules
from .sanctions import Measure, Sanction

# SAMR Order 44: the party may state its case within 5 working days of the listing notice.
NOTICE_WORKING_DAYS = 5


@dataclass(kw_only=True, eq=False)
class ListingProposal(Aggregate):
    id: str
    uscc: str
    record_id: str
    agency: str  # decides
    reasons: list[str] = field(default_factory=list)
    source: str  # auto | officer
    status: str  # noticed | listed | dropped
    hearing_due_at: datetime
    decided_by: str | None = None
    decision_reason: str | None = None
    created_by: str
    created_at: datetime

    @classmethod
    def propose(cls, *, record: Record, reasons: list[str], source: str, by: str, at: datetime,
                calendar: WorkingCalendar, notice_days: int,
                open_one: "ListingProposal | None") -> "ListingProposal":
        """Notice to the subject (credit.listing_proposed); `open_one` is the record's proposal not yet ended."""
        if record.subjective_intent is False:
            raise InvalidInput("no listing where the decision records no subjective intent (Order 44 Art. 12)",
                               field="record_id")
        if open_one is not None:
            raise Conflict(f"record {record.id} already has a listing proposal ({open_one.status})",
                           status_now=open_one.status, allowed_actions=[])
        proposal = cls(id=str(uuid.uuid4()), uscc=record.uscc, record_id=record.id, agency=record.agency,
                       reasons=list(reasons), source=source, status="noticed", created_by=by, created_at=at,
                       hearing_due_at=calendar.add_working_days(at, notice_days))
        proposal.record("credit.listing_proposed", CreditListingProposed(
            proposal_id=proposal.id, uscc=proposal.uscc, reasons=proposal.reasons,
            hearing_due_at=proposal.hearing_due_at), subject=proposal.uscc)
        return proposal

    def decide(self, *, decision: str, reason: str, by: str, at: datetime) -> None:
        """`list` once the hearing period is over, `drop` any time; once."""
        if self.status != "noticed":
            raise Conflict(f"the proposal was already decided ({self.status})", status_now=self.status,
                           allowed_actions=[])
        if decision == "list" and at < self.hearing_due_at:
            raise Conflict(f"the subject may be heard until {self.hearing_due_at.isoformat()}",
                           status_now=self.status, allowed_actions=["drop"])
        self.status = "listed" if decision == "list" else "dropped"
        self.decided_by, self.decision_reason = by, reason


@dataclass(kw_only=True, eq=False)
class Listing(Aggregate):
    id: str
    uscc: str
    proposal_id: str
    record_id: str
    basis: str  # the proposal's reasons and the decision's, joined
    status: str  # active | removed
    listed_on: date
    removal_request_from: date
    remove_by: date
    removed_at: datetime | None = None
    removal_reason: str | None = None

    @classmethod
    def of(cls, proposal: ListingProposal, *, reason: str, rules: CreditRules, today: date) -> "Listing":
        """The subject listed on a decided proposal (credit.listed): removal may be asked for after a year, and it
        ends after three at the latest."""
        if proposal.status != "listed":
            raise Conflict(f"the proposal is {proposal.status}, not listed", status_now=proposal.status,
                           allowed_actions=[])
        request_from, remove_by = listing_dates(rules, today)
        listing = cls(id=str(uuid.uuid4()), uscc=proposal.uscc, proposal_id=proposal.id,
                      record_id=proposal.record_id, basis="; ".join([*proposal.reasons, reason]), status="active",
                      listed_on=today, removal_request_from=request_from, remove_by=remove_by)
        listing.record("credit.listed", CreditListed(
            listing_id=listing.id, uscc=listing.uscc, basis=listing.basis, listed_on=today,
            removal_request_from=request_from, remove_by=remove_by), subject=listing.uscc)
        return listing

    def impose(self, executing: list[tuple[Measure, str]], *, at: datetime, calendar: WorkingCalendar,
               execution_days: int) -> list[Sanction]:
        """Each measure on the agency executing it (credit.sanctions_imposed), to be executed within the
        working days given."""
        due = calendar.add_working_days(at, execution_days)
        sanctions = [Sanction.impose(listing_id=self.id, uscc=self.uscc, measure=measure, agency=agency, due_at=due)
                     for measure, agency in executing]
        self.record("credit.sanctions_imposed", CreditSanctionsImposed(
            uscc=self.uscc, listing_id=self.id, sanctions=[
                SanctionItem(sanction_id=s.id, agency=s.agency, measure=s.measure, basis=s.basis)
                for s in sanctions]), subject=self.uscc)
        return sanctions

    def delist(self, *, reason: str, sanctions: list[Sanction], at: datetime) -> None:
        """The listing ends and lifts its sanctions (credit.delisted)."""
        if self.status != "active":
            raise Conflict(f"the listing is {self.status}", status_now=self.status, allowed_actions=[])
        self.status, self.removed_at, self.removal_reason = "removed", at, reason
        for sanction in sanctions:
            sanction.lift(at=at)
        self.record("credit.delisted", CreditDelisted(listing_id=self.id, uscc=self.uscc, reason=reason),
                    subject=self.uscc)
