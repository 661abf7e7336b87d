"""The 360° subject profile: facts from the service's own tables → the explainable score and tier."""
from datetime import date, datetime, time, timezone

from sqlmodel import select

from shared.db import for_update, upsert_insert
from shared.events.payloads.credit import CreditTierChanged

from .context import Credit
from .domain.scoring import Facts, PenaltyFact, Score, horizon, score
from .tables import CreditRecord, Listing, Repair, Subject, SubjectCase, SubjectCluster, SubjectComplaint


async def facts(credit: Credit, uscc: str) -> Facts:
    """What the score counts today; dated facts past their horizon stay in the database unread (a busy subject
    may have years of complaints)."""
    s, since = credit.session, horizon(credit.today)
    clusters_from, complaints_from = _utc_midnight(since.clusters), _utc_midnight(since.complaints)
    penalties = (await s.exec(select(CreditRecord).where(
        CreditRecord.uscc == uscc, CreditRecord.kind == "penalty", CreditRecord.outcome == "penalty",
        CreditRecord.repaired_at.is_(None), CreditRecord.revoked_at.is_(None),
        CreditRecord.decided_on > since.penalties))).all()
    return Facts(
        penalties=tuple(PenaltyFact(r.id, r.severity or "minor", r.decided_on) for r in penalties),
        listings=tuple((await s.exec(select(Listing.id).where(Listing.uscc == uscc,
                                                              Listing.status == "active"))).all()),
        open_cases=tuple((await s.exec(select(SubjectCase.case_id).where(SubjectCase.uscc == uscc,
                                                                         SubjectCase.open.is_(True)))).all()),
        clusters=tuple((c.cluster_id, c.alerted_at.date()) for c in (await s.exec(
            select(SubjectCluster).where(SubjectCluster.uscc == uscc,
                                         SubjectCluster.alerted_at >= clusters_from))).all()),
        complaints=tuple((c.complaint_id, c.received_at.date()) for c in (await s.exec(
            select(SubjectComplaint).where(SubjectComplaint.uscc == uscc,
                                           SubjectComplaint.received_at >= complaints_from))).all()),
        repairs=tuple((await s.exec(select(Repair.id).where(Repair.uscc == uscc,
                                                            Repair.status == "approved"))).all()),
    )


def _utc_midnight(day: date) -> datetime:
    """A lower bound that keeps every row whose UTC date is later than `day` (the scoring drops the rest)."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def explain(result: Score) -> dict:
    return {"base": result.base, "score": result.score, "tier": result.tier,
            "factors": [{"key": f.key, "what": f.what, "weight": f.weight, "value": f.value,
                         "contribution": f.contribution, "records": list(f.records)} for f in result.factors]}


async def _locked(credit: Credit, uscc: str) -> Subject:
    """The subject's row, created if missing and locked: events about one subject arrive on different
    partitions, so two consumers may recompute it at once; the second waits and then sees the first's facts."""
    session = credit.session
    await session.flush()
    fresh = Subject(uscc=uscc, updated_at=credit.now).model_dump()  # the model's defaults: score 100, tier A
    await (await session.connection()).execute(
        upsert_insert(session, Subject.__table__).values(**fresh).on_conflict_do_nothing())
    return (await session.exec(for_update(select(Subject).where(Subject.uscc == uscc), session))).one()


async def recompute(credit: Credit, uscc: str, *, name: str | None = None, region: str | None = None) -> Subject:
    """Score the subject again; credit.tier_changed when the tier moves (an unknown subject counts as A)."""
    subject = await _locked(credit, uscc)
    before = subject.tier
    result = score(credit.rules, await facts(credit, uscc), credit.today)
    subject.score, subject.tier, subject.explanation = result.score, result.tier, explain(result)
    subject.name, subject.region = name or subject.name, region or subject.region
    subject.updated_at = credit.now
    credit.session.add(subject)
    if result.tier != before:
        await credit.emit("credit.tier_changed", CreditTierChanged(uscc=uscc, from_tier=before, to_tier=result.tier,
                                                                   score=result.score), key=uscc)
    return subject
