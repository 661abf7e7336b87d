"""观察期 (inclusive prudent supervision): a subject or a business model observed between two dates, announced
when its first day comes and when its last day has passed, once each."""
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from shared.domain import Aggregate
from shared.events.payloads.credit import CreditObservation


@dataclass(kw_only=True, eq=False)
class Observation(Aggregate):
    id: str
    uscc: str | None = None
    business_tag: str | None = None
    starts_on: date
    ends_on: date
    reason: str
    started: bool = False  # credit.observation_started recorded
    ended: bool = False  # credit.observation_ended recorded
    created_by: str
    created_at: datetime

    @classmethod
    def start(cls, *, uscc: str | None, business_tag: str | None, starts_on: date, ends_on: date, reason: str,
              by: str, at: datetime, today: date) -> "Observation":
        observation = cls(id=str(uuid.uuid4()), uscc=uscc, business_tag=business_tag, starts_on=starts_on,
                          ends_on=ends_on, reason=reason, created_by=by, created_at=at)
        observation.announce(today=today)
        return observation

    def announce(self, *, today: date) -> None:
        """Started once its first day has come, and ended once its last day has passed."""
        if not self.started and self.starts_on <= today:
            self.started = True
            self.record("credit.observation_started", self._payload(), subject=self._key)
        if self.started and not self.ended and self.ends_on < today:
            self.ended = True
            self.record("credit.observation_ended", self._payload(), subject=self._key)

    @property
    def _key(self) -> str:
        return self.uscc or f"tag:{self.business_tag}"

    def _payload(self) -> CreditObservation:
        return CreditObservation(observation_id=self.id, uscc=self.uscc, business_tag=self.business_tag,
                                 starts_on=self.starts_on, ends_on=self.ends_on, reason=self.reason)
