"""The 360° subject profile: facts from the service's own tables → the explainable score and tier."""
from datetime import date, datetime, time, timezone

from sqlalchemy import Date, String, bindparam, cast, literal, null, select, union_all

from shared.db import per_dialect
from shared.events.payloads.credit import CreditTierChanged
from shared.sqltypes import UtcDateTime

from .context import Credit
from .domain.scoring import Facts, PenaltyFact, Score, horizon, score
from .tables import CreditRecord, Listing, Repair, Subject, SubjectCase, SubjectCluster, SubjectComplaint


async def facts(credit: Credit, uscc: str) -> Facts:
    """What the score counts today, in one query; dated facts past their horizon stay in the database unread (a
    busy subject may have years of complaints)."""
    since = horizon(credit.today)
    found: dict[str, list] = {kind: [] for kind in _FACT_KINDS}
    for kind, ref, severity, at, day in (await (await credit.session.connection()).execute(_FACTS, {
            "uscc": uscc, "penalties_after": since.penalties, "clusters_from": _utc_midnight(since.clusters),
            "complaints_from": _utc_midnight(since.complaints)})).all():
        found[kind].append((ref, severity, at, day))
    return Facts(
        penalties=tuple(PenaltyFact(ref, severity or "minor", day) for ref, severity, _, day in found["penalty"]),
        listings=tuple(ref for ref, *_ in found["listing"]),
        open_cases=tuple(ref for ref, *_ in found["case"]),
        clusters=tuple((ref, at.date()) for ref, _, at, _ in found["cluster"]),
        complaints=tuple((ref, at.date()) for ref, _, at, _ in found["complaint"]),
        repairs=tuple(ref for ref, *_ in found["repair"]),
    )


def _facts_query():
    """Every fact kind as rows of (kind, ref, severity, at, day): one round trip instead of six."""
    uscc = bindparam("uscc")
    no_text, no_at, no_day = cast(null(), String), cast(null(), UtcDateTime()), cast(null(), Date)

    def rows(kind: str, ref, *where, severity=no_text, at=no_at, day=no_day):
        return select(literal(kind, String).label("kind"), ref.label("ref"), severity.label("severity"),
                      at.label("at"), day.label("day")).where(*where)

    record, listing, case = CreditRecord.__table__.c, Listing.__table__.c, SubjectCase.__table__.c
    cluster, complaint, repair = SubjectCluster.__table__.c, SubjectComplaint.__table__.c, Repair.__table__.c
    return union_all(
        rows("penalty", record.id, record.uscc == uscc, record.kind == "penalty", record.outcome == "penalty",
             record.repaired_at.is_(None), record.revoked_at.is_(None),
             record.decided_on > bindparam("penalties_after", type_=Date), severity=record.severity,
             day=record.decided_on),
        rows("listing", listing.id, listing.uscc == uscc, listing.status == "active"),
        rows("case", case.case_id, case.uscc == uscc, case.open.is_(True)),
        rows("cluster", cluster.cluster_id, cluster.uscc == uscc,
             cluster.alerted_at >= bindparam("clusters_from", type_=UtcDateTime()), at=cluster.alerted_at),
        rows("complaint", complaint.complaint_id, complaint.uscc == uscc,
             complaint.received_at >= bindparam("complaints_from", type_=UtcDateTime()), at=complaint.received_at),
        rows("repair", repair.id, repair.uscc == uscc, repair.status == "approved"),
    )


_FACT_KINDS = ("penalty", "listing", "case", "cluster", "complaint", "repair")
_FACTS = _facts_query()


def _utc_midnight(day: date) -> datetime:
    """A lower bound that keeps every row whose UTC date is later than `day` (the scoring drops the rest)."""
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def explain(result: Score) -> dict:
    return {"base": result.base, "score": result.score, "tier": result.tier,
            "factors": [{"key": f.key, "what": f.what, "weight": f.weight, "value": f.value,
                         "contribution": f.contribution, "records": list(f.records)} for f in result.factors]}


async def _locked(credit: Credit, uscc: str) -> Subject:
    """The subject's row, created if missing and locked, in one statement (an upsert locks the row it finds):
    events about one subject arrive on different partitions, so two consumers may recompute it at once; the
    second waits and then sees the first's facts."""
    session = credit.session
    await session.flush()
    return (await session.exec(_LOCK_SUBJECT(session), params={**_NEW_SUBJECT, "uscc": uscc, "updated_at": credit.now},
                               execution_options={"populate_existing": True})).scalars().one()


def _lock_subject(insert):
    insert = insert(Subject).values({column: bindparam(column) for column in _NEW_SUBJECT})
    return insert.on_conflict_do_update(index_elements=["uscc"], set_={"uscc": insert.excluded.uscc}).returning(Subject)


_NEW_SUBJECT = Subject(uscc="", updated_at=datetime.min).model_dump()  # the model's defaults: score 100, tier A
_LOCK_SUBJECT = per_dialect(_lock_subject)


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
