"""Synthetic data at scale in the real tables of complaints, cases and credit, for the read benches (PostgreSQL).

Complaints go in with COPY; their agency rows and public counters are derived in SQL, as routing and
`rebuild_counters` leave them. Personal data is one value encrypted once and repeated. Steps already past due
are marked as reported, so the services' sweepers find nothing to do while reads are measured.
"""
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate

import psycopg
from sqlalchemy.engine import make_url

from services.cases.tables import Assist, Case, CaseParticipant, Clue, JointAction, JointTask, Referral
from services.complaints.domain.grounds import REJECTION_GROUNDS
from services.complaints.domain.lifecycle import RESOLVED_OUTCOMES
from services.complaints.stats import rebuild_counters
from services.complaints.tables import Complaint
from services.credit.tables import CreditRecord, Listing, ListingProposal, Sanction, Subject
from shared.db import make_engine, make_sessionmaker
from shared.pii import PiiCipher
from shared.registry import Registry
from shared.settings import DEV_FERNET_KEY
from shared.uscc import make_uscc

CITY = "440100"  # Guangzhou
NOW = datetime.now(timezone.utc)
YEAR = timedelta(days=365)
# calendar days from receipt to the deadline of the step an open complaint waits on (the working days, roughly)
STEP_DAYS = {"received": 10, "held": 10, "forwarded": 14, "mediating": 63, "mediation_failed": 10, "verifying": 21}
OPEN = {"complaint": ["received", "received", "held", "forwarded", "mediating", "mediating", "mediation_failed",
                      "escalated", "case_filed"],
        "report": ["received", "received", "held", "verifying", "verifying", "escalated", "case_filed"]}
CLOSED_OUTCOMES = sorted(RESOLVED_OUTCOMES) + ["withdrawn", "mediation_failed", "not_substantiated",
                                               "closed_by_agency"]
CHANNELS = ["hotline_12345", "hotline_12315", "web", "web", "platform"]


@dataclass
class World:
    """What generated rows draw from: Guangzhou's regions, agencies and categories in the registry, the subjects."""

    registry: Registry
    subjects: list[tuple[str, str]]  # (uscc, region)
    categories: list[str]
    weights: list[float]
    _routes: dict = field(default_factory=dict)

    @classmethod
    def make(cls, n: int) -> "World":
        registry = Registry.load()
        regions, categories = registry.regions_below(CITY), list(registry.categories)
        subjects = [(make_uscc(regions[i % len(regions)], f"{i:08d}"), regions[i % len(regions)]) for i in range(n)]
        # Zipf over the registry's order of categories: consumer disputes the most common
        return cls(registry, subjects, categories, list(accumulate(1 / (i + 1) for i in range(len(categories)))))

    def subject(self, rng: random.Random) -> tuple[str, str]:
        return self.subjects[int(len(self.subjects) * rng.random() ** 2)]  # a few subjects draw many complaints

    def category(self, rng: random.Random) -> str:
        return rng.choices(self.categories, cum_weights=self.weights)[0]

    def route(self, category: str, region: str):
        if (category, region) not in self._routes:
            self._routes[category, region] = self.registry.route(category, region)
        return self._routes[category, region]

    def agencies(self) -> list[str]:
        below = set(self.registry.regions_below(CITY))
        return [a.code for a in self.registry.agencies.values() if a.region in below and a.function != "intake"]


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def copy(connection: psycopg.Connection, table, rows) -> None:
    """COPY dict rows into a table (absent keys are NULL, lists and dicts JSON)."""
    columns = [c.name for c in table.columns]
    with connection.cursor().copy(f'COPY "{table.name}" ({", ".join(columns)}) FROM STDIN') as stream:
        for row in rows:
            stream.write_row([json.dumps(v) if isinstance(v := row.get(c), (list, dict)) else v for c in columns])


def overdue(due: datetime | None) -> datetime | None:
    return due if due is not None and due <= NOW else None


def complaint_rows(world: World, n: int):
    rng = random.Random(1)
    contact = PiiCipher([DEV_FERNET_KEY]).encrypt_json({"name": "张三", "phone": "13800000000"})
    platforms, grounds = list(world.registry.platforms), list(REJECTION_GROUNDS)
    for i in range(n):
        uscc, region = world.subject(rng)
        category, kind = world.category(rng), "report" if rng.random() < 0.15 else "complaint"
        platform = rng.choice(platforms) if rng.random() < 0.8 else None
        received = NOW - YEAR * rng.random()
        status, closed, outcome = rng.choice(OPEN[kind]), None, None
        if status == "forwarded" and platform is None:
            status = "received"
        if rng.random() < min(0.97, (NOW - received).days / 45):  # most complaints are finished within weeks
            closed = min(NOW, received + timedelta(hours=rng.randrange(1, 45 * 24)))
            status, outcome = ("rejected", rng.choice(grounds)) if rng.random() < 0.1 else \
                ("closed", rng.choice(CLOSED_OUTCOMES))
        due = received + timedelta(days=STEP_DAYS[status]) if status in STEP_DAYS else None
        forwarded = status == "forwarded" or (outcome == "resolved_by_platform" and platform)
        routing = world.route(category, region)
        anonymous = rng.random() < 0.1
        yield {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "kind": kind,
            "channel": (channel := rng.choice(CHANNELS)), "external_ref": f"gen-{i}", "status": status,
            "category": category, "category_source": "given", "category_terms": [], "subject_uscc": uscc,
            "subject_platform": platform, "subject_shop_id": f"shop-{uscc[8:16]}" if platform else None,
            "subject_region": region, "description": "商品与描述不符，商家拒绝退货。", "amount": rng.randrange(1, 5000),
            "complainant_enc": None if anonymous else contact,
            "complainant_key": None if anonymous else f"{rng.getrandbits(256):064x}",
            "lead_agency": routing.lead, "co_agencies": routing.co_agencies,
            "intake_agency": f"{CITY}-{channel[-5:]}" if channel.startswith("hotline") else None,
            "created_by": "generate", "received_at": received, "updated_at": closed or received, "due_at": due,
            "overdue_for": overdue(due), "forwarded_platform": platform if forwarded else None,
            "forwarded_at": received if forwarded else None, "extended": False, "closed_at": closed,
            "outcome": outcome,
        }


async def load_complaints(url: str, world: World, n: int) -> None:
    with psycopg.connect(libpq(url)) as connection:
        copy(connection, Complaint.__table__, complaint_rows(world, n))
        connection.execute("INSERT INTO complaint_agency (complaint_id, agency, role, status, category, received_at) "
                           "SELECT id, lead_agency, 'lead', status, category, received_at FROM complaint UNION ALL "
                           "SELECT id, json_array_elements_text(co_agencies), 'co', status, category, received_at "
                           "FROM complaint")
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        await rebuild_counters(session)
        await session.commit()
    await engine.dispose()


def case_tables(world: World, n: int) -> dict:
    """Cases over a year with their clues, referrals, assists and joint actions; the recent ones still open."""
    rng = random.Random(2)
    rows: dict = {t: [] for t in (Case, CaseParticipant, Clue, Referral, Assist, JointAction, JointTask)}
    others = world.agencies()

    def clue(subject, category, agency, created, status="pending", **extra):  # decided: no deadline left
        due = created + timedelta(days=21) if status == "pending" else None
        rows[Clue].append({"id": str(uuid.uuid4()), "source": "complaint", "source_ref": str(uuid.uuid4()),
                           "subject_uscc": subject[0], "subject_region": subject[1], "category": category,
                           "agency": agency, "summary": "投诉线索", "complaint_ids": [], "status": status,
                           "due_at": due, "overdue_for": overdue(due), "extended": False, "created_by": "generate",
                           "created_at": created, **extra})

    for _ in range(n):
        subject, category = world.subject(rng), world.category(rng)
        agency, filed = world.route(category, subject[1]).lead, NOW - YEAR * rng.random()
        is_open = rng.random() > min(0.95, (NOW - filed).days / 120)
        status = rng.choice(("filed", "investigating", "decided")) if is_open else "closed"
        due = filed + timedelta(days=90) if status in ("filed", "investigating") else None
        case_id = str(uuid.uuid4())
        rows[Case].append({"id": case_id, "subject_key": subject[0], "subject_uscc": subject[0],
                           "subject_region": subject[1], "category": category, "agency": agency, "status": status,
                           "filed_at": filed, "due_at": due, "overdue_for": overdue(due), "extended": False,
                           "complaint_ids": [], "clue_ids": [], "measures": [], "created_by": "generate",
                           "closed_at": None if is_open else min(NOW, filed + timedelta(days=60)), "updated_at": filed})
        rows[CaseParticipant].append({"case_id": case_id, "agency": agency, "role": "owner"})
        clue(subject, category, agency, filed - timedelta(days=7), status="filed", case_id=case_id, decided_at=filed)
        helper = rng.choice([a for a in others if a != agency])
        common = {"case_id": case_id, "created_by": "generate", "created_at": filed + timedelta(days=3)}
        if rng.random() < 0.08:
            due = filed + timedelta(days=13) if is_open else None
            rows[Referral].append({"id": str(uuid.uuid4()), "kind": "function", "from_agency": agency,
                                   "to_agency": helper, "reason": "职能移送", "documents": [], "forwarded_from": [],
                                   "status": rng.choice(("pending", "accepted")) if is_open else "completed",
                                   "due_at": due, "overdue_for": overdue(due), "updated_at": filed, **common})
            rows[CaseParticipant].append({"case_id": case_id, "agency": helper, "role": "referral"})
        elif rng.random() < 0.08:
            due = filed + timedelta(days=14) if is_open else None
            rows[Assist].append({"id": str(uuid.uuid4()), "from_agency": agency, "to_agency": helper,
                                 "request": "协助调查", "status": "requested" if is_open else "responded",
                                 "due_at": due, "overdue_for": overdue(due), **common})
            rows[CaseParticipant].append({"case_id": case_id, "agency": helper, "role": "assist"})
        elif rng.random() < 0.02:
            action_id = str(uuid.uuid4())
            rows[JointAction].append({"id": action_id, "lead_agency": agency, "participants": [agency, helper],
                                      "status": "active" if is_open else "completed", **common})
            rows[JointTask] += [{"id": str(uuid.uuid4()), "action_id": action_id, "agency": a, "title": "联合检查",
                                 "done": not is_open} for a in (agency, helper)]
            rows[CaseParticipant].append({"case_id": case_id, "agency": helper, "role": "joint_action"})
    for _ in range(n // 50):  # clues awaiting verification (15 working days), and some dismissed ones
        subject, category = world.subject(rng), world.category(rng)
        clue(subject, category, world.route(category, subject[1]).lead, NOW - timedelta(days=21) * rng.random())
    for _ in range(n // 10):
        subject, category = world.subject(rng), world.category(rng)
        created = NOW - YEAR * rng.random()
        clue(subject, category, world.route(category, subject[1]).lead, created, status="dismissed",
             decided_at=created + timedelta(days=10), reason="线索不成立")
    return rows


def load_cases(url: str, world: World, n: int) -> None:
    with psycopg.connect(libpq(url)) as connection:
        for table, rows in case_tables(world, n).items():
            copy(connection, table.__table__, rows)


def listed_subjects(world: World, share: float) -> list[str]:
    return sorted(uscc for uscc, _ in random.Random(3).sample(world.subjects, int(len(world.subjects) * share)))


async def load_credit(url: str, world: World, listed: list[str], measures: list[str]) -> None:
    """Every subject's score row, and for the listed ones a listing with each measure imposed."""
    dishonest = set(listed)

    def subjects():
        for uscc, region in world.subjects:
            score, tier = (40.0, "D") if uscc in dishonest else (100.0, "A")
            yield {"uscc": uscc, "region": region, "score": score, "tier": tier, "explanation": {}, "updated_at": NOW}

    with psycopg.connect(libpq(url)) as connection:
        copy(connection, Subject.__table__, subjects())
    engine = make_engine(url)
    await load_listings(make_sessionmaker(engine), listed, measures)
    await engine.dispose()


async def load_listings(sessionmaker, listed: list[str], measures: list[str]) -> None:
    """A penalty record, a decided proposal and an active listing per subject, each measure imposed."""
    now, today = datetime.now(timezone.utc), date.today()
    async with sessionmaker() as session:
        for start in range(0, len(listed), 2000):
            records, proposals, listings, sanctions = [], [], [], []
            for i, uscc in enumerate(listed[start:start + 2000], start):
                record_id, proposal_id, listing_id = (str(uuid.uuid4()) for _ in range(3))
                listed_on = today - timedelta(days=i % 700)  # within the three years a listing lasts
                records.append({"id": record_id, "subject_kind": "market", "uscc": uscc, "kind": "penalty",
                                "severity": "serious", "measures": [], "created_at": now})
                proposals.append({"id": proposal_id, "uscc": uscc, "record_id": record_id, "agency": "440105-amr",
                                  "reasons": [], "source": "auto", "status": "listed", "hearing_due_at": now,
                                  "created_by": "bench", "created_at": now})
                listings.append({"id": listing_id, "uscc": uscc, "proposal_id": proposal_id, "record_id": record_id,
                                 "basis": "bench", "status": "active", "listed_on": listed_on,
                                 "removal_request_from": listed_on + timedelta(days=365),
                                 "remove_by": listed_on + timedelta(days=3 * 365)})
                sanctions += [{"id": str(uuid.uuid4()), "listing_id": listing_id, "uscc": uscc, "measure": m,
                               "agency": "440100-finance", "basis": "bench", "status": "imposed"} for m in measures]
            connection = await session.connection()
            for table, rows in ((CreditRecord, records), (ListingProposal, proposals), (Listing, listings),
                                (Sanction, sanctions)):
                await connection.execute(table.__table__.insert(), rows)
            await session.commit()


def vacuum_analyze(url: str) -> None:
    """Statistics for the planner, and the visibility map index-only scans need (autovacuum's work on a live system)."""
    with psycopg.connect(libpq(url), autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")


async def load_all(urls: dict[str, str], world: World, *, complaints: int, cases: int, listed: list[str],
                   measures: list[str]) -> None:
    """Fill the complaints, cases and credit databases (already migrated), then vacuum and analyze them."""
    await load_complaints(urls["complaints"], world, complaints)
    load_cases(urls["cases"], world, cases)
    await load_credit(urls["credit"], world, listed, measures)
    for url in urls.values():
        vacuum_analyze(url)
