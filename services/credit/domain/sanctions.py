"""The joint sanctions (联合惩戒): the catalogue's measures (sanctions.yaml, read by rules_file.py), and each
sanction a listing imposes on an agency: imposed, then executed or lifted; overdue once per due date."""
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.domain import Aggregate
from shared.errors import Conflict
from shared.events.payloads.credit import CreditSanctionExecuted, CreditSanctionOverdue
from shared.identity.principal import region_of_agency

# An executing agency reports the execution within 10 working days (the joint sanctions memoranda).
EXECUTION_WORKING_DAYS = 10


@dataclass(frozen=True)
class Measure:
    code: str
    name_zh: str
    function: str  # the registry function of the executing agency
    basis: str


@dataclass(kw_only=True, eq=False)
class Sanction(Aggregate):
    id: str
    listing_id: str
    uscc: str
    measure: str
    agency: str
    basis: str
    status: str  # imposed | executed | lifted
    due_at: datetime | None = None
    overdue_for: datetime | None = None
    executed_at: datetime | None = None
    executed_by: str | None = None
    note: str | None = None
    lifted_at: datetime | None = None

    @classmethod
    def impose(cls, *, listing_id: str, uscc: str, measure: Measure, agency: str, due_at: datetime) -> "Sanction":
        return cls(id=str(uuid.uuid4()), listing_id=listing_id, uscc=uscc, measure=measure.code, agency=agency,
                   basis=measure.basis, status="imposed", due_at=due_at)

    def execute(self, *, note: str | None, by: str, at: datetime) -> None:
        """The executing agency reports it done (credit.sanction_executed); nothing is due any more."""
        if self.status != "imposed":
            raise Conflict(f"the sanction is {self.status}", status_now=self.status, allowed_actions=[])
        self.status, self.executed_at, self.executed_by = "executed", at, by
        self.note, self.due_at = note, None
        self.record("credit.sanction_executed", CreditSanctionExecuted(
            sanction_id=self.id, uscc=self.uscc, agency=self.agency, measure=self.measure, note=note),
            subject=self.uscc)

    def lift(self, *, at: datetime) -> None:
        """The listing ended: lifted at once, whether executed or not."""
        if self.status != "lifted":
            self.status, self.lifted_at, self.due_at = "lifted", at, None

    def mark_overdue(self) -> None:
        """Not executed by its due date (credit.sanction_overdue), reported once for that date."""
        if self.status != "imposed" or self.due_at is None or self.overdue_for == self.due_at:
            raise Conflict(f"the sanction is {self.status}, not awaiting execution", status_now=self.status,
                           allowed_actions=[])
        self.overdue_for = self.due_at
        self.record("credit.sanction_overdue", CreditSanctionOverdue(
            sanction_id=self.id, uscc=self.uscc, measure=self.measure, step="execution", due_at=self.due_at,
            agency=self.agency, region=region_of_agency(self.agency) or ""), subject=self.uscc)
