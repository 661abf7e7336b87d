"""The public statistics: counters kept in the same transaction as each change, read without scanning."""
from collections import Counter
from datetime import datetime

from sqlalchemy import Integer, cast, func, literal_column, select
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.db import before_commit, pending, per_dialect

from .domain.lifecycle import RESOLVED_OUTCOMES
from .domain.stats import StatKey, median_hours
from .tables import Complaint, ComplaintCloseStat, ComplaintStat

STAT = ComplaintStat.__table__
CLOSE = ComplaintCloseStat.__table__
STAT_KEYS = ["scope", "scope_key", "category", "status"]


def stat_key(complaint: Complaint) -> StatKey:
    return StatKey(platform=complaint.subject_platform, uscc=complaint.subject_uscc,
                   category=complaint.category, status=complaint.status)


def move(session: AsyncSession, before: StatKey | None, after: StatKey | None) -> None:
    """Count a complaint out of `before` and into `after` (either may be None: new, or no change)."""
    if before == after:
        return
    deltas = _pending(session)
    for key, delta in ((before, -1), (after, 1)):
        for scope, scope_key in key.scopes() if key else ():
            deltas.append((STAT, (scope, scope_key, key.category, key.status), delta))


def record_closing(session: AsyncSession, complaint: Complaint, closed_at: datetime) -> None:
    """Add a closed complaint to the time-to-close histogram of each of its scopes."""
    hours = max(0, int((closed_at - complaint.received_at).total_seconds() // 3600))
    resolved = complaint.outcome in RESOLVED_OUTCOMES
    deltas = _pending(session)
    for scope, scope_key in stat_key(complaint).scopes():
        deltas.append((CLOSE, (scope, scope_key, hours, resolved), 1))


def _pending(session: AsyncSession) -> list[tuple]:
    """The transaction's changes to the counters, (table, key, delta), summed and written when it commits
    (_write_counters); appended to, so a savepoint rolled back takes back its own."""
    before_commit(session, _write_counters)
    return pending(session, _PENDING)


def _adding(table, keys: list[str]):
    """An upsert that adds each row's count to its counter (the rows' keys are distinct), built once."""
    def build(insert):
        insert = insert(table)
        return insert.on_conflict_do_update(index_elements=keys, set_={"count": table.c.count + insert.excluded.count})
    return per_dialect(build)


_KEYS = {STAT: STAT_KEYS, CLOSE: ["scope", "scope_key", "hours", "resolved"]}
_BUMP = {table: _adding(table, keys) for table, keys in _KEYS.items()}
_PENDING = "complaint_counters"


def _write_counters(session: Session) -> None:
    """Every counter the transaction changed, summed, last and in one order: the counters shared by every
    complaint ("all", per category and status) stay locked only for the end of a transaction, and two
    transactions take their rows in the same order, so they never wait on each other in a cycle."""
    sums: dict = {STAT: Counter(), CLOSE: Counter()}
    for table, key, delta in pending(session, _PENDING):
        sums[table][key] += delta
    for table, deltas in sums.items():
        rows = [{**dict(zip(_KEYS[table], key)), "count": delta} for key, delta in sorted(deltas.items()) if delta]
        if rows:
            session.connection().execute(_BUMP[table](session), rows)


async def public_stats(session: AsyncSession, *, platform: str | None, subject: str | None) -> dict:
    """Counts by category and status, resolution rate and median time to close for one scope."""
    scope, scope_key = ("subject", subject) if subject else ("platform", platform) if platform else ("all", "")
    connection = await session.connection()
    rows = (await connection.execute(select(STAT.c.category, STAT.c.status, STAT.c.count).where(
        STAT.c.scope == scope, STAT.c.scope_key == scope_key, STAT.c.count > 0))).all()
    by_category: dict[str, dict[str, int]] = {}
    by_status: dict[str, int] = {}
    for category, status, count in rows:
        by_category.setdefault(category, {})[status] = count
        by_status[status] = by_status.get(status, 0) + count
    closes = (await connection.execute(select(CLOSE.c.hours, CLOSE.c.resolved, CLOSE.c.count).where(
        CLOSE.c.scope == scope, CLOSE.c.scope_key == scope_key))).all()
    histogram: dict[int, int] = {}
    for hours, _, count in closes:
        histogram[hours] = histogram.get(hours, 0) + count
    closed = sum(histogram.values())
    resolved = sum(count for _, was_resolved, count in closes if was_resolved)
    result = {
        "scope": {"platform": platform, "subject": subject} if scope != "all" else {},
        "total": sum(by_status.values()), "by_status": by_status, "by_category": by_category,
        "closed": closed, "resolved": resolved,
        "resolution_rate": round(resolved / closed, 4) if closed else None,
        "median_hours_to_close": median_hours(histogram),
    }
    if scope == "all":
        result["platforms"] = await _platform_totals(connection)
    return result


async def _platform_totals(connection) -> dict[str, int]:
    rows = await connection.execute(select(STAT.c.scope_key, func.sum(STAT.c.count)).where(
        STAT.c.scope == "platform").group_by(STAT.c.scope_key))
    return {platform: int(total) for platform, total in rows if total}


async def rebuild_counters(session: AsyncSession) -> None:
    """Recompute every counter from the complaints themselves (after a bulk import, or to audit drift)."""
    connection = await session.connection()
    await connection.execute(STAT.delete())
    await connection.execute(CLOSE.delete())
    c = Complaint.__table__.c
    if connection.dialect.name == "postgresql":
        hours = func.floor(func.extract("epoch", c.closed_at - c.received_at) / literal_column("3600"))
    else:
        hours = (func.julianday(c.closed_at) - func.julianday(c.received_at)) * literal_column("24")
    for scope, key in (("all", literal_column("''")), ("platform", c.subject_platform), ("subject", c.subject_uscc)):
        rows = select(literal_column(f"'{scope}'").label("scope"), key.label("scope_key"), c.category, c.status,
                      cast(hours, Integer).label("hours"),
                      c.outcome.in_(sorted(RESOLVED_OUTCOMES)).label("resolved"))
        rows = (rows.where(key.is_not(None)) if scope != "all" else rows).subquery()
        await connection.execute(STAT.insert().from_select(
            ["scope", "scope_key", "category", "status", "count"],
            select(rows.c.scope, rows.c.scope_key, rows.c.category, rows.c.status, func.count())
            .group_by(rows.c.scope, rows.c.scope_key, rows.c.category, rows.c.status)))
        await connection.execute(CLOSE.insert().from_select(
            ["scope", "scope_key", "hours", "resolved", "count"],
            select(rows.c.scope, rows.c.scope_key, rows.c.hours, rows.c.resolved, func.count())
            .where(rows.c.status == "closed")
            .group_by(rows.c.scope, rows.c.scope_key, rows.c.hours, rows.c.resolved)))
