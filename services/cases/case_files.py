"""A case from filing to closing: investigation, one extension, the decision with its severity, the closing.

Each use case is keyword-only and typed: `uow` is the transaction, `by` the caller. Who may act is decided here
(the rule in `domain/access.py`), whether the action may run now by the aggregate's state machine.
"""
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.errors import Forbidden, NotFound
from shared.identity import Principal

from .domain.access import may_read
from .domain.case import Case
from .domain.decisions import SeverityRule, advice
from .repository import CasesUnitOfWork
from .tables import Case as CaseRow
from .tables import ObservationRef


async def visible(uow: CasesUnitOfWork, by: Principal, case_id: str, *, lock: bool = False) -> Case | None:
    """The case if the caller may read it, else None. The one rule for a case and for what is done on it (its
    referrals, assists and joint actions): whoever may read the case sees them, to anyone else they are unknown."""
    case = await uow.cases.get(case_id, lock=lock)
    if case is None or not may_read(by, participants=await uow.cases.participants(case_id),
                                    region=case.subject_region, registry=uow.runtime.registry):
        return None
    return case


async def get_visible(uow: CasesUnitOfWork, by: Principal, case_id: str, *, lock: bool = False) -> Case:
    if (case := await visible(uow, by, case_id, lock=lock)) is None:
        raise NotFound(f"no case {case_id}")
    return case


async def load_for(uow: CasesUnitOfWork, by: Principal, case_id: str, action: str) -> Case:
    """The case, locked, once the caller may see it (404) and is an officer of its owner (403)."""
    case = await get_visible(uow, by, case_id, lock=True)
    if not (by.agency == case.agency and by.has_role("officer", "lead")):
        raise Forbidden(f"only officers of the owning agency {case.agency} may {action} this case")
    return case


async def investigate(*, uow: CasesUnitOfWork, by: Principal, case_id: str, note: str | None) -> Case:
    case = await load_for(uow, by, case_id, "investigate")
    case.investigate(note=note, by=by.sub, at=uow.now)
    await uow.commit()
    return case


async def extend(*, uow: CasesUnitOfWork, by: Principal, case_id: str, reason: str) -> Case:
    case = await load_for(uow, by, case_id, "extend")
    case.extend(reason=reason, by=by.sub, at=uow.now, schedule=uow.schedule)
    await uow.commit()
    return case


async def decide(*, uow: CasesUnitOfWork, by: Principal, case_id: str, outcome: str, measures: list[str],
                 fine_amount: Decimal | None, legal_basis: str | None, ground: str | None,
                 subjective_intent: bool | None) -> Case:
    case = await load_for(uow, by, case_id, "decide")
    case.decide(outcome=outcome, measures=measures, fine_amount=fine_amount, legal_basis=legal_basis,
                ground=ground, subjective_intent=subjective_intent,
                severity_rule=severity_rule(uow.runtime.settings.severity_path), by=by.sub, at=uow.now,
                schedule=uow.schedule)
    await uow.commit()
    return case


async def close(*, uow: CasesUnitOfWork, by: Principal, case_id: str, note: str | None) -> Case:
    case = await load_for(uow, by, case_id, "close")
    case.close(note=note, by=by.sub, at=uow.now)
    await uow.commit()
    return case


@lru_cache(maxsize=4)
def severity_rule(path: Path) -> SeverityRule:
    return SeverityRule.from_data(yaml.safe_load(path.read_text(encoding="utf-8")))


async def decision_advice(session: AsyncSession, case: Case) -> list[str]:
    """首违不罚 from the case history, 观察期 from the credit projection."""
    if not case.subject_uscc:
        return []
    earlier = await session.scalar(select(func.count()).select_from(CaseRow).where(
        CaseRow.subject_uscc == case.subject_uscc, CaseRow.id != case.id, CaseRow.outcome == "penalty"))
    observation = await session.get(ObservationRef, case.subject_uscc)
    return advice(first_violation=earlier == 0, in_observation=bool(observation and observation.active))
