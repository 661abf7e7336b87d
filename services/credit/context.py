"""What every credit use case needs: the rules and catalogue (loaded once), today, and event emission."""
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.runtime import ServiceRuntime

from .domain.rules import CreditRules
from .domain.sanctions import Measure, load_catalogue


@lru_cache(maxsize=4)
def _rules(path: Path) -> CreditRules:
    return CreditRules.load(path)


@lru_cache(maxsize=4)
def _catalogue(path: Path) -> dict[str, Measure]:
    return load_catalogue(path)


@dataclass
class Credit:
    session: AsyncSession
    runtime: ServiceRuntime
    now: datetime

    @classmethod
    def of(cls, session: AsyncSession, runtime: ServiceRuntime) -> "Credit":
        return cls(session, runtime, runtime.now())

    @property
    def rules(self) -> CreditRules:
        return _rules(self.runtime.settings.rules_path)

    @property
    def catalogue(self) -> dict[str, Measure]:
        return _catalogue(self.runtime.settings.sanctions_path)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.runtime.calendar.tz).date()

    async def emit(self, event_type: str, payload: BaseModel, *, key: str) -> None:
        self.runtime.outbox.add(self.session, event_type, subject=key, data=payload)
