"""Complaints migrations that move data, on the real database (SQLite and PostgreSQL)."""
import asyncio
from datetime import datetime, timezone

from functools import partial

from sqlalchemy import insert, select

from services.complaints.tables import (ComplainantFlag, Complaint, ComplaintAgency, ComplaintHandover,
                                        ComplaintStep, messaging)
from shared.events import encode
from tests.support import migrated

_migrated = partial(migrated, service="complaints")


def _complaint(id: str, *, status: str, at: datetime, co_agencies: tuple[str, ...] = ()) -> dict:
    """A Haizhu food-safety complaint row, with the columns every version of the table has."""
    return dict(id=id, kind="complaint", channel="web", external_ref=f"m-{id}", status=status,
                category="food_safety", category_source="given", category_terms=[], subject_region="440105",
                description="x", lead_agency="440105-amr", co_agencies=list(co_agencies), created_by="t",
                received_at=at, updated_at=at)


def _stale_agency_rows(conn) -> None:
    received = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    conn.execute(insert(Complaint.__table__).values(
        _complaint("c-1", status="mediating", at=received, co_agencies=("440100-psb",))))
    conn.execute(insert(ComplaintAgency.__table__), [
        {"complaint_id": "c-1", "agency": agency, "role": role, "status": "stale", "category": "stale",
         "received_at": datetime(2000, 1, 1, tzinfo=timezone.utc)}
        for agency, role in (("440105-amr", "lead"), ("440100-psb", "co"))])


async def test_0005_copies_status_category_and_received_at_onto_existing_agency_rows(databases):
    rows = await asyncio.to_thread(
        _migrated, databases.url("complaints_0005"), seed_at="head", seed=_stale_agency_rows,
        steps=[("downgrade", "complaints_0004"), ("upgrade", "head")],  # the rows as 0004 left them: no copies yet
        read=select(ComplaintAgency.agency, ComplaintAgency.status, ComplaintAgency.category,
                    ComplaintAgency.received_at).order_by(ComplaintAgency.agency))
    received = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    assert [(r.agency, r.status, r.category) for r in rows] == [
        ("440100-psb", "mediating", "food_safety"), ("440105-amr", "mediating", "food_safety")]
    assert all(r.received_at == received for r in rows)


def _flags_of_0006(conn) -> None:
    at = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
    conn.execute(insert(Complaint.__table__).values(_complaint("c-flagged", status="received", at=at)))
    conn.execute(insert(ComplaintStep.__table__), [
        {"complaint_id": "c-flagged", "at": at, "actor": "t", "action": action, "detail": detail, "events": []}
        for action, detail in (("received", {}), ("complainant_flagged", {"flag_id": "f-1", "reasons": ["x"]}))])
    conn.execute(insert(ComplainantFlag.__table__), [  # the columns 0006 has
        {"id": flag_id, "complainant_key": "k", "active": True, "reasons": ["x"], "source": "officer",
         "flagged_by": "t", "flagged_at": at} for flag_id in ("f-1", "f-unknown")])


async def test_0007_places_each_existing_flag_at_the_complaint_it_was_raised_on(databases):
    rows = await asyncio.to_thread(
        _migrated, databases.url("complaints_0007"), seed_at="complaints_0006", seed=_flags_of_0006,
        steps=[("upgrade", "head")], read=select(ComplainantFlag.id, ComplainantFlag.complaint_id,
                                                 ComplainantFlag.agency, ComplainantFlag.region)
        .order_by(ComplainantFlag.id))
    assert [tuple(row) for row in rows] == [("f-1", "c-flagged", "440105-amr", "440105"),
                                            ("f-unknown", None, None, None)]


def _events_before_0008(conn) -> None:
    at = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    conn.execute(insert(Complaint.__table__), [_complaint(i, status="received", at=at) for i in ("c-e", "c-a", "c-b")])
    events = [("complaint.escalated", {"complaint_id": "c-e"}),
              ("complaint.cluster_alert", {"cluster_id": "k-1", "complaint_ids": ["c-a", "c-b", "c-elsewhere"]}),
              ("complaint.closed", {"complaint_id": "c-a"})]
    conn.execute(insert(messaging.outbox), [
        {"event_id": e.id, "event_type": e.type, "topic": "jointsup.complaints", "key": e.key, "value": e.value,
         "headers": {}, "created_at": at, "published_at": at, "attempts": 1}
        for e in (encode(type=t, source="/jointsup/complaints", subject="s", data=data) for t, data in events)])


async def test_0008_records_the_handovers_the_outbox_shows(databases):
    rows = await asyncio.to_thread(
        _migrated, databases.url("complaints_0008"), seed_at="complaints_0007", seed=_events_before_0008,
        steps=[("upgrade", "head")], read=select(ComplaintHandover.complaint_id, ComplaintHandover.source,
                                                 ComplaintHandover.source_ref).order_by(ComplaintHandover.complaint_id))
    assert [tuple(row) for row in rows] == [("c-a", "cluster", "k-1"), ("c-b", "cluster", "k-1"),
                                            ("c-e", "complaint", "c-e")]
