"""Complaints migrations that move data, on the real database (SQLite and PostgreSQL)."""
import asyncio
from datetime import datetime, timezone

from alembic import command
from sqlalchemy import create_engine, insert, select

from services.complaints.tables import ComplainantFlag, Complaint, ComplaintAgency, ComplaintStep
from shared.db import alembic_config, sync_url


def _upgrade_with_rows_then_again_from_0004(url: str) -> list:
    config = alembic_config(url, "complaints")
    command.upgrade(config, "head")
    engine = create_engine(sync_url(url))
    received = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(Complaint.__table__).values(
            id="c-1", kind="complaint", channel="web", external_ref="m-1", status="mediating",
            category="food_safety", category_source="given", category_terms=[], subject_region="440105",
            description="x", lead_agency="440105-amr", co_agencies=["440100-psb"], created_by="t",
            received_at=received, updated_at=received))
        conn.execute(insert(ComplaintAgency.__table__), [
            {"complaint_id": "c-1", "agency": agency, "role": role, "status": "stale", "category": "stale",
             "received_at": datetime(2000, 1, 1, tzinfo=timezone.utc)}
            for agency, role in (("440105-amr", "lead"), ("440100-psb", "co"))])
    command.downgrade(config, "complaints_0004")  # the rows as 0004 left them: no copies yet
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(select(ComplaintAgency.agency, ComplaintAgency.status, ComplaintAgency.category,
                                   ComplaintAgency.received_at).order_by(ComplaintAgency.agency)).all()
    engine.dispose()
    return rows


async def test_0005_copies_status_category_and_received_at_onto_existing_agency_rows(databases):
    url = databases.url("complaints_0005")
    rows = await asyncio.to_thread(_upgrade_with_rows_then_again_from_0004, url)
    received = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
    assert [(r.agency, r.status, r.category) for r in rows] == [
        ("440100-psb", "mediating", "food_safety"), ("440105-amr", "mediating", "food_safety")]
    assert all(r.received_at == received for r in rows)


def _flags_placed_by_0007(url: str) -> list:
    config = alembic_config(url, "complaints")
    command.upgrade(config, "complaints_0006")
    engine = create_engine(sync_url(url))
    at = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(Complaint.__table__).values(
            id="c-flagged", kind="complaint", channel="web", external_ref="m-2", status="received",
            category="food_safety", category_source="given", category_terms=[], subject_region="440105",
            description="x", lead_agency="440105-amr", co_agencies=[], created_by="t", received_at=at, updated_at=at))
        conn.execute(insert(ComplaintStep.__table__), [
            {"complaint_id": "c-flagged", "at": at, "actor": "t", "action": action, "detail": detail, "events": []}
            for action, detail in (("received", {}), ("complainant_flagged", {"flag_id": "f-1", "reasons": ["x"]}))])
        conn.execute(insert(ComplainantFlag.__table__), [  # the columns 0006 has
            {"id": flag_id, "complainant_key": "k", "active": True, "reasons": ["x"], "source": "officer",
             "flagged_by": "t", "flagged_at": at} for flag_id in ("f-1", "f-unknown")])
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(select(ComplainantFlag.id, ComplainantFlag.complaint_id, ComplainantFlag.agency,
                                   ComplainantFlag.region).order_by(ComplainantFlag.id)).all()
    engine.dispose()
    return rows


async def test_0007_places_each_existing_flag_at_the_complaint_it_was_raised_on(databases):
    rows = await asyncio.to_thread(_flags_placed_by_0007, databases.url("complaints_0007"))
    assert [tuple(row) for row in rows] == [("f-1", "c-flagged", "440105-amr", "440105"),
                                            ("f-unknown", None, None, None)]
