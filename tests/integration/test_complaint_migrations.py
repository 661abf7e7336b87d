"""Complaints migrations that move data, on the real database (SQLite and PostgreSQL)."""
import asyncio
from datetime import datetime, timezone

from alembic import command
from sqlalchemy import create_engine, insert, select

from services.complaints.tables import ComplainantFlag, Complaint, ComplaintAgency, ComplaintStep
from shared.db import alembic_config, sync_url


def _complaint(id: str, *, status: str, at: datetime, co_agencies: tuple[str, ...] = ()) -> dict:
    """A Haizhu food-safety complaint row, with the columns every version of the table has."""
    return dict(id=id, kind="complaint", channel="web", external_ref=f"m-{id}", status=status,
                category="food_safety", category_source="given", category_terms=[], subject_region="440105",
                description="x", lead_agency="440105-amr", co_agencies=list(co_agencies), created_by="t",
                received_at=at, updated_at=at)


def _migrated(url: str, *, seed_at: str, seed, steps: list[tuple[str, str]], read) -> list:
    """Migrate to `seed_at`, write the rows `seed(connection)` writes, take the migration `steps` ("upgrade" or
    "downgrade", revision), and return what `read` selects."""
    config = alembic_config(url, "complaints")
    command.upgrade(config, seed_at)
    engine = create_engine(sync_url(url))
    with engine.begin() as conn:
        seed(conn)
    for step, revision in steps:
        getattr(command, step)(config, revision)
    with engine.connect() as conn:
        rows = conn.execute(read).all()
    engine.dispose()
    return rows


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
