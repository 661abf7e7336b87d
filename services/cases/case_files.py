"""A case from filing to closing: investigation, one extension, the decision with its severity, the closing."""
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import for_update
from shared.events.payloads.cases import CaseClosed, CaseDecided
from shared.identity import Principal
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.runtime import ServiceRuntime
from shared.subjects import ref_of

from .domain import lifecycle
from .domain.access import may_read
from .domain.decisions import SeverityRule, advice, decision_problem
from .journal import CaseJournal
from .tables import Case, CaseParticipant, ObservationRef


async def participants(session: AsyncSession, case_id: str) -> set[str]:
    return set((await session.exec(select(CaseParticipant.agency).where(CaseParticipant.case_id == case_id))).all())


async def visible(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, case_id: str,
                  *, lock: bool = False) -> Case | None:
    """The case if the caller may read it, else None. The one rule for a case and for what is done on it (its
    referrals, assists and joint actions): whoever may read the case sees them, to anyone else they are unknown."""
    query = select(Case).where(Case.id == case_id)
    case = (await session.exec(for_update(query, session) if lock else query)).first()
    if case is None or not may_read(principal, participants=await participants(session, case_id),
                                    region=case.subject_region, registry=runtime.registry):
        return None
    return case


async def get_visible(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, case_id: str,
                      *, lock: bool = False) -> Case:
    if (case := await visible(session, runtime, principal, case_id, lock=lock)) is None:
        raise NotFound(f"no case {case_id}")
    return case


async def load_for_action(session: AsyncSession, runtime: ServiceRuntime, principal: Principal, case_id: str,
                          action: str) -> tuple[Case, CaseJournal]:
    """The case, locked, once the caller is an officer of its owner and the action may run now."""
    case = await get_visible(session, runtime, principal, case_id, lock=True)
    if not (principal.agency == case.agency and principal.has_role("officer", "lead")):
        raise Forbidden(f"only officers of the owning agency {case.agency} may {action} this case")
    check_case(case, action)
    return case, CaseJournal(session, runtime)


def check_case(case: Case, action: str) -> None:
    try:
        lifecycle.check("case", lifecycle.CASE_ACTIONS, action, case.status)
    except lifecycle.TransitionNotAllowed as exc:
        raise Conflict(str(exc), status_now=case.status, allowed_actions=exc.allowed) from None


def under_investigation(case: Case, journal: CaseJournal) -> None:
    """Referrals, assists and joint actions put a filed case under investigation."""
    if case.status == "filed":
        case.status = "investigating"
    case.updated_at = journal.now
    journal.session.add(case)


async def investigate(session, runtime, principal, case_id: str, *, note: str | None) -> Case:
    case, journal = await load_for_action(session, runtime, principal, case_id, "investigate")
    under_investigation(case, journal)
    journal.record(case.id, "investigation_started", actor=principal.sub, due_at=case.due_at, note=note)
    await session.commit()
    return case


async def extend(session, runtime, principal, case_id: str, *, reason: str) -> Case:
    case, journal = await load_for_action(session, runtime, principal, case_id, "extend")
    if case.extended:
        raise Conflict("the case was already extended (further extension is a collective decision)",
                       status_now=case.status, allowed_actions=[a for a in lifecycle.allowed(
                           lifecycle.CASE_ACTIONS, case.status) if a != "extend"])
    case.extended, case.updated_at = True, journal.now
    case.due_at = runtime.settings.deadlines.case_extended(case.due_at, runtime.calendar)
    session.add(case)
    journal.record(case.id, "extended", actor=principal.sub, due_at=case.due_at, reason=reason)
    await session.commit()
    return case


async def decision_advice(session: AsyncSession, case: Case) -> list[str]:
    """首违不罚 from the case history, 观察期 from the credit projection."""
    if not case.subject_uscc:
        return []
    earlier = await session.scalar(select(func.count()).select_from(Case).where(
        Case.subject_uscc == case.subject_uscc, Case.id != case.id, Case.outcome == "penalty"))
    observation = await session.get(ObservationRef, case.subject_uscc)
    return advice(first_violation=earlier == 0, in_observation=bool(observation and observation.active))


@lru_cache(maxsize=4)
def severity_rule(path: Path) -> SeverityRule:
    return SeverityRule.from_data(yaml.safe_load(path.read_text(encoding="utf-8")))


async def decide(session, runtime, principal, case_id: str, *, outcome: str, measures: list[str], fine_amount,
                 legal_basis: str | None, ground: str | None, subjective_intent: bool | None) -> Case:
    if problem := decision_problem(outcome, measures, fine_amount, legal_basis, ground):
        raise InvalidInput(problem[1], field=problem[0])
    case, journal = await load_for_action(session, runtime, principal, case_id, "decide")
    severity = severity_rule(runtime.settings.severity_path).severity(outcome, measures, fine_amount)
    case.status, case.outcome, case.measures, case.severity = "decided", outcome, list(measures), severity
    case.fine_amount, case.legal_basis, case.ground = fine_amount, legal_basis, ground
    case.decided_on = journal.now.astimezone(runtime.calendar.tz).date()
    case.due_at, case.updated_at = None, journal.now
    session.add(case)
    await journal.emit("case.decided", CaseDecided(
        case_id=case.id, agency=case.agency, subject=ref_of(case), category=case.category, outcome=outcome,
        measures=list(measures), severity=severity, fine_amount=fine_amount, legal_basis=legal_basis,
        subjective_intent=subjective_intent, decided_on=case.decided_on), subject=case.id)
    journal.record(case.id, "decided", actor=principal.sub, outcome=outcome, measures=list(measures),
                   severity=severity, fine_amount=str(fine_amount) if fine_amount is not None else None,
                   legal_basis=legal_basis, ground=ground)
    await session.commit()
    return case


async def close(session, runtime, principal, case_id: str, *, note: str | None) -> Case:
    case, journal = await load_for_action(session, runtime, principal, case_id, "close")
    case.status, case.closed_at, case.updated_at = "closed", journal.now, journal.now
    session.add(case)
    await journal.emit("case.closed", CaseClosed(case_id=case.id, agency=case.agency,
                                                 complaint_ids=case.complaint_ids, clue_ids=case.clue_ids,
                                                 outcome=case.outcome), subject=case.id)
    journal.record(case.id, "closed", actor=principal.sub, note=note)
    await session.commit()
    return case
