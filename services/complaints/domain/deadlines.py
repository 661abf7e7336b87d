"""Statutory deadlines of each complaint step, in working days (市场监督管理投诉举报处理暂行办法)."""
from dataclasses import dataclass
from datetime import datetime

from shared.workdays import WorkingCalendar


@dataclass(frozen=True)
class DeadlineRules:
    acceptance: int = 7  # Art. 14: decide on acceptance and tell the complainant
    platform_response: int = 10  # 12315 online dispute practice: the business's own negotiation
    mediation: int = 45  # Art. 21(5): mediation ends without agreement, counted from acceptance
    closing_notice: int = 7  # Art. 21: tell the parties that mediation ended
    verification: int = 15  # Art. 23: verify a clue and decide on filing
    verification_extension: int = 15  # Art. 23: once more, with approval

    def due(self, step: str, start: datetime, calendar: WorkingCalendar) -> datetime:
        """When `step`, begun at `start`, is due (end of the last working day, Asia/Shanghai)."""
        days = {"acceptance": self.acceptance, "review": self.acceptance,
                "platform_response": self.platform_response, "mediation": self.mediation,
                "closing_notice": self.closing_notice, "verification": self.verification}[step]
        return calendar.add_working_days(start, days)

    def extended(self, due_at: datetime, calendar: WorkingCalendar) -> datetime:
        return calendar.add_working_days(due_at, self.verification_extension)


@dataclass(frozen=True)
class Schedule:
    """The deadline rules on a working calendar: what a complaint's commands set their deadlines with."""

    rules: DeadlineRules
    calendar: WorkingCalendar

    def due(self, step: str, start: datetime) -> datetime:
        return self.rules.due(step, start, self.calendar)

    def extended(self, due_at: datetime) -> datetime:
        return self.rules.extended(due_at, self.calendar)
