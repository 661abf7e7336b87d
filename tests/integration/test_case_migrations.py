"""Cases migrations that move data, on the real database (SQLite and PostgreSQL)."""
import asyncio
from datetime import datetime, timezone

from sqlalchemy import insert, select

from services.cases.tables import Clue, ComplaintRef
from tests.support import migrated


def _escalations_before_0003(conn) -> None:
    at = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    conn.execute(insert(ComplaintRef.__table__), [
        {"complaint_id": i, "kind": "complaint", "category": "food_safety", "subject_region": "440105",
         "lead_agency": "440105-amr", "received_at": at} for i in ("c-escalated", "c-cited")])
    conn.execute(insert(Clue.__table__), [
        {"id": f"clue-{n}", "source": source, "source_ref": ref, "subject_region": "440105",
         "category": "food_safety", "agency": agency, "summary": "x", "complaint_ids": [ref], "status": "pending",
         "created_by": "t", "created_at": at}
        for n, (source, ref, agency) in enumerate((("complaint", "c-escalated", "440105-amr"),
                                                   ("agency", "c-cited", "330106-amr")))])


async def test_0003_lets_the_agency_a_complaint_was_escalated_to_cite_it(databases):
    rows = await asyncio.to_thread(
        migrated, databases.url("cases_0003"), service="cases", seed_at="cases_0002",
        seed=_escalations_before_0003, steps=[("upgrade", "head")],
        read=select(ComplaintRef.complaint_id, ComplaintRef.escalated_to).order_by(ComplaintRef.complaint_id))
    assert [tuple(row) for row in rows] == [("c-cited", []), ("c-escalated", ["440105-amr"])]
