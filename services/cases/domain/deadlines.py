"""Statutory deadlines of clues, cases, referrals and assists (RULES.md names each source)."""
from dataclasses import dataclass
from datetime import datetime

from shared.workdays import WorkingCalendar


@dataclass(frozen=True)
class CaseDeadlines:
    clue_verification_working_days: int = 15  # Order 2 Art. 18
    clue_extension_working_days: int = 15  # Order 2 Art. 18, with approval
    case_conclusion_calendar_days: int = 90  # Order 2, Penalty Law Art. 60
    case_extension_calendar_days: int = 30  # with approval
    criminal_approval_calendar_days: int = 3  # Decree 310 Art. 5: the head of agency decides on a transfer
    criminal_decision_calendar_days: int = 3  # Decree 310 Art. 8: the police decide whether to open a case
    criminal_review_calendar_days: int = 3  # Decree 310 Art. 9: the police answer a request for review
    referral_acceptance_working_days: int = 7  # other referrals: accept or refuse (cf. Order 20 Art. 30)
    referral_outcome_working_days: int = 30  # report back what was done (closed loop)
    assist_working_days: int = 10  # answer an assistance request

    def clue_due(self, start: datetime, cal: WorkingCalendar) -> datetime:
        return cal.add_working_days(start, self.clue_verification_working_days)

    def clue_extended(self, due: datetime, cal: WorkingCalendar) -> datetime:
        return cal.add_working_days(due, self.clue_extension_working_days)

    def case_due(self, start: datetime, cal: WorkingCalendar) -> datetime:
        return cal.add_calendar_days(start, self.case_conclusion_calendar_days)

    def case_extended(self, due: datetime, cal: WorkingCalendar) -> datetime:
        return cal.add_calendar_days(due, self.case_extension_calendar_days)

    def assist_due(self, start: datetime, cal: WorkingCalendar) -> datetime:
        return cal.add_working_days(start, self.assist_working_days)

    def referral_due(self, kind: str, status: str, start: datetime, cal: WorkingCalendar) -> datetime | None:
        """When the referral's current step is due; None for a step that waits on nobody."""
        criminal = kind == "criminal"
        if status == "awaiting_approval":
            return cal.add_calendar_days(start, self.criminal_approval_calendar_days)
        if status == "pending":
            return (cal.add_calendar_days(start, self.criminal_decision_calendar_days) if criminal
                    else cal.add_working_days(start, self.referral_acceptance_working_days))
        if status == "review_requested":
            return (cal.add_calendar_days(start, self.criminal_review_calendar_days) if criminal
                    else cal.add_working_days(start, self.referral_acceptance_working_days))
        if status == "accepted":
            return cal.add_working_days(start, self.referral_outcome_working_days)
        return None


@dataclass(frozen=True)
class Schedule:
    """The deadlines on the working calendar the service runs on: what the aggregates' commands are given."""

    rules: CaseDeadlines
    calendar: WorkingCalendar

    def clue_due(self, start: datetime) -> datetime:
        return self.rules.clue_due(start, self.calendar)

    def clue_extended(self, due: datetime) -> datetime:
        return self.rules.clue_extended(due, self.calendar)

    def case_due(self, start: datetime) -> datetime:
        return self.rules.case_due(start, self.calendar)

    def case_extended(self, due: datetime) -> datetime:
        return self.rules.case_extended(due, self.calendar)

    def assist_due(self, start: datetime) -> datetime:
        return self.rules.assist_due(start, self.calendar)

    def referral_due(self, kind: str, status: str, start: datetime) -> datetime | None:
        return self.rules.referral_due(kind, status, start, self.calendar)
