"""The facts behind the score: what other services report (complaints, clusters, cases), kept as it comes with
no rules of its own, and what the score counts today, read in one query."""
from datetime import date, datetime, time, timezone

from sqlalchemy import Date, String, bindparam, cast, literal, null, select, union_all

from shared.db import per_dialect
from shared.messaging.refusals import Refused
from shared.sqltypes import UtcDateTime
from shared.unit_of_work import UnitOfWork

from .domain.scoring import Facts, PenaltyFact, horizon
from .tables import CreditRecord, Listing, Repair, SubjectCase, SubjectCluster, SubjectComplaint


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


_INSERT_COMPLAINT = per_dialect(lambda insert: insert(SubjectComplaint.__table__).on_conflict_do_nothing()
                                .returning(SubjectComplaint.__table__.c.complaint_id))


class SubjectFacts:
    """The facts other services report (complaints, clusters, cases), kept as they come, and what the score counts
    of them and of credit's own records."""

    def __init__(self, uow: UnitOfWork):
        self.session = uow.session

    async def complaint_received(self, *, complaint_id: str, uscc: str, category: str,
                                 received_at: datetime) -> bool:
        """Keep the complaint unless it is known already (one statement); True when it is new."""
        row = {"complaint_id": complaint_id, "uscc": uscc, "category": category, "received_at": received_at}
        return (await (await self.session.connection()).execute(_INSERT_COMPLAINT(self.session), row)
                ).first() is not None

    async def cluster_alerted(self, *, cluster_id: str, uscc: str, count: int, at: datetime) -> None:
        """A cluster counts with the most complaints it was ever alerted with."""
        row = await self.session.get(SubjectCluster, cluster_id) or SubjectCluster(
            cluster_id=cluster_id, uscc=uscc, count=count, alerted_at=at)
        row.count = max(row.count, count)
        self.session.add(row)

    async def case_filed(self, *, case_id: str, uscc: str) -> None:
        self.session.add(await self.session.get(SubjectCase, case_id) or SubjectCase(case_id=case_id, uscc=uscc))

    async def case_closed(self, case_id: str) -> str | None:
        """The USCC of the subject whose case closed; None for a case not filed against one (Refused if it closed
        already)."""
        case = await self.session.get(SubjectCase, case_id)
        if case is None:
            return None
        if not case.open:
            raise Refused("the case closed already", case_id=case_id)
        case.open = False
        self.session.add(case)
        return case.uscc

    async def of(self, uscc: str, *, today: date) -> Facts:
        """What the score counts today, in one query; dated facts past their horizon stay in the database unread (a
        busy subject may have years of complaints)."""
        since = horizon(today)
        found: dict[str, list] = {kind: [] for kind in _FACT_KINDS}
        for kind, ref, severity, at, day in (await (await self.session.connection()).execute(_FACTS, {
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
