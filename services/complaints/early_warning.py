"""Clusters of complaints on one subject (打早打小) and complainants held for review (恶意投诉举报)."""
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import upsert_insert
from shared.identity import Principal, regions_overseen
from shared.errors import NotFound
from shared.registry import Registry

from .domain.access import reviews_flag
from .domain.complaint import Complaint
from .repository import ComplaintsUnitOfWork
from .tables import ComplainantFlag, ComplaintCluster
from .tables import Complaint as ComplaintRow

CLUSTER = ComplaintCluster.__table__


def subject_key(complaint: Complaint) -> str | None:
    """What makes two complaints be about the same subject: its USCC, else its platform shop."""
    return _subject_key(complaint.subject_uscc, complaint.subject_platform, complaint.subject_shop_id)


def _subject_key(uscc: str | None, platform: str | None, shop_id: str | None) -> str | None:
    if uscc:
        return uscc
    if platform and shop_id:
        return f"{platform}:{shop_id}"
    return None


def _same_subject(key: str) -> tuple[Select, dict]:
    """The ids of the subject's complaints in a category since a time, newest last; and its parameters."""
    if ":" in key:  # a USCC never holds a colon
        platform, shop_id = key.split(":", 1)
        return _SHOP_COMPLAINTS, {"platform": platform, "shop_id": shop_id}
    return _USCC_COMPLAINTS, {"uscc": key}


def _in_window(*same_subject):
    return (select(ComplaintRow.id).where(*same_subject, ComplaintRow.category == bindparam("category"),
                                          ComplaintRow.received_at >= bindparam("since"))
            .order_by(ComplaintRow.received_at))


# Built once: on the intake path, building a statement costs about as much as running it.
_USCC_COMPLAINTS = _in_window(ComplaintRow.subject_uscc == bindparam("uscc"))
_SHOP_COMPLAINTS = _in_window(ComplaintRow.subject_platform == bindparam("platform"),
                              ComplaintRow.subject_shop_id == bindparam("shop_id"))
_CLUSTER = select(ComplaintCluster).where(ComplaintCluster.subject_key == bindparam("key"),
                                          ComplaintCluster.category == bindparam("category"))


async def check_cluster(uow: ComplaintsUnitOfWork, complaint: Complaint) -> None:
    """Raise complaint.cluster_alert when the subject's complaints in the window reach the next step."""
    session, rule, now = uow.session, uow.runtime.settings.cluster_rule, uow.now
    key = subject_key(complaint)
    if key is None:
        return
    await session.flush()
    window_start = now - timedelta(days=rule.window_days)
    query, params = _same_subject(key)
    ids = list((await session.exec(query, params={**params, "category": complaint.category,
                                                  "since": window_start})).all())
    if complaint.id not in ids:  # a new complaint is written when its unit of work is saved, after this check
        ids.append(complaint.id)
    if len(ids) < rule.threshold:  # no step reached, whatever was alerted before
        return
    cluster = (await session.exec(_CLUSTER, params={"key": key, "category": complaint.category})).first()
    current = cluster is not None and cluster.last_alert_at >= window_start
    if not rule.alert_due(len(ids), cluster.alerted_count if current else 0):
        return
    # Guarded upsert: of two concurrent intakes that both see the step reached, only one gets a row back.
    new_id = str(uuid.uuid4())
    insert = upsert_insert(session, CLUSTER).values(
        id=new_id, subject_key=key, category=complaint.category, alerted_count=len(ids),
        last_alert_at=now)
    guard = (CLUSTER.c.alerted_count + rule.threshold <= len(ids)) | (CLUSTER.c.last_alert_at < window_start)
    stmt = insert.on_conflict_do_update(
        index_elements=["subject_key", "category"], where=guard,
        set_={"alerted_count": len(ids), "last_alert_at": now,
              "id": CLUSTER.c.id if current else new_id},
    ).returning(CLUSTER.c.id)
    row = (await (await session.connection()).execute(stmt)).first()
    if row is None:
        return
    await uow.handovers.record(ids, ("cluster", row[0]), now)
    complaint.raise_cluster_alert(cluster_id=row[0], complaint_ids=ids, window_days=rule.window_days, at=now)


async def check_complainant(uow: ComplaintsUnitOfWork, complaint: Complaint) -> bool:
    """True when the complainant is, or now becomes, flagged: the complaint is then held for review."""
    session = uow.session
    keys = _keys(complaint)
    if not keys:
        return False
    flags = await _flags(session, keys)
    if any(f.active for f in flags):
        return True
    rule = uow.runtime.settings.abuse_rule
    since = max([uow.now - timedelta(days=rule.window_days), *(f.cleared_at for f in flags if f.cleared_at)])
    per_subject = (await session.exec(_THEIR_SUBJECTS, params={
        "keys": list(keys), "since": since, "complaint": complaint.id})).all()
    earlier = sum(count for *_, count in per_subject)
    subjects = {_subject_key(uscc, platform, shop) for uscc, platform, shop, _ in per_subject}
    subjects.add(subject_key(complaint))
    subjects.discard(None)
    reasons = rule.reasons(earlier + 1, len(subjects))
    if not reasons:
        return False
    flag(uow, complaint, reasons=reasons, source="auto", actor="system", complaints=earlier + 1,
         subjects=len(subjects))
    return True


_KEYS = bindparam("keys", expanding=True)
# The complainant's other complaints in the window, counted per subject.
_THEIR_SUBJECTS = select(ComplaintRow.subject_uscc, ComplaintRow.subject_platform, ComplaintRow.subject_shop_id,
                         func.count()).where(
    or_(ComplaintRow.complainant_key.in_(_KEYS), ComplaintRow.complainant_phone_key.in_(_KEYS)),
    ComplaintRow.received_at >= bindparam("since"), ComplaintRow.id != bindparam("complaint"),
).group_by(ComplaintRow.subject_uscc, ComplaintRow.subject_platform, ComplaintRow.subject_shop_id)
_FLAGS = select(ComplainantFlag).where(ComplainantFlag.complainant_key.in_(_KEYS)
                                       | ComplainantFlag.phone_key.in_(_KEYS))


def _keys(complaint: Complaint) -> set[str]:
    return {k for k in (complaint.complainant_key, complaint.complainant_phone_key) if k}


async def _flags(session: AsyncSession, keys: set[str]) -> list[ComplainantFlag]:
    return list((await session.exec(_FLAGS, params={"keys": list(keys)})).all())


async def active_flag(session: AsyncSession, complaint: Complaint) -> ComplainantFlag | None:
    return next((f for f in await _flags(session, _keys(complaint)) if f.active), None)


def flag(uow: ComplaintsUnitOfWork, complaint: Complaint, *, reasons: list[str], source: str, actor: str,
         complaints: int | None = None, subjects: int | None = None) -> ComplainantFlag:
    """Flag the complaint's complainant and announce it without personal data."""
    flag_ = ComplainantFlag(id=str(uuid.uuid4()), complainant_key=complaint.complainant_key,
                            phone_key=complaint.complainant_phone_key, complaint_id=complaint.id,
                            agency=complaint.lead_agency, region=complaint.subject_region, reasons=reasons,
                            source=source, complaints_in_window=complaints, subjects_in_window=subjects,
                            flagged_by=actor, flagged_at=uow.now)
    uow.session.add(flag_)
    complaint.flag_complainant(flag_id=flag_.id, reasons=reasons, by=actor, at=uow.now, complaints=complaints,
                               subjects=subjects)
    return flag_


async def list_flags(session: AsyncSession, *, principal: Principal, registry: Registry,
                     active: bool) -> list[ComplainantFlag]:
    """The newest flags the caller reviews (at most 500)."""
    query = select(ComplainantFlag).where(ComplainantFlag.active == active)
    if not principal.has_role("admin"):
        query = query.where(or_(ComplainantFlag.agency == (principal.agency or "\0"),
                                ComplainantFlag.region.in_(regions_overseen(principal, registry))))
    return list((await session.exec(query.order_by(ComplainantFlag.flagged_at.desc()).limit(500))).all())


async def clear_flag(session: AsyncSession, *, principal: Principal, registry: Registry, flag_id: str, reason: str,
                     now: datetime) -> ComplainantFlag:
    """End a flag the caller reviews: the complainant's next complaints are no longer held."""
    flag_ = await session.get(ComplainantFlag, flag_id)
    if flag_ is None or not reviews_flag(principal, agency=flag_.agency, region=flag_.region, registry=registry):
        raise NotFound(f"no complainant flag {flag_id}")
    actor = principal.sub
    if flag_.active:
        flag_.active, flag_.cleared_by, flag_.cleared_at, flag_.clear_reason = False, actor, now, reason
        session.add(flag_)
    return flag_

