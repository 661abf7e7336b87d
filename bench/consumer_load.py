"""The consumers bench's workload: complaints (synthetic, or made through the real intake) and the events of
their lives, encoded as the owning service's outbox would send them."""
import importlib
import random
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from shared.app import build_runtime
from shared.events import encode, spec_for
from shared.events.payloads import cases as ca
from shared.events.payloads import complaints as co
from shared.events.payloads import credit as cr
from shared.events.payloads.common import SubjectRef
from shared.identity import Principal
from shared.registry import Registry
from shared.subjects import Subject, ref_of
from shared.uscc import make_uscc

FATES = ("mediated",) * 5 + ("case",) * 3 + ("dismissed", "rejected")
ESCALATED = ("case",) * 3 + ("dismissed",)  # 2.5 events for the complaints service per complaint
OFFICER = "bench-officer"


@dataclass(frozen=True)
class Facts:
    """What the stream needs to know about one complaint."""

    id: str
    kind: str
    category: str
    subject: SubjectRef
    lead: str
    co: list[str]
    received_at: datetime


def new_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def subjects(n: int, rng: random.Random, registry: Registry, *, shops: bool = True) -> list[SubjectRef]:
    """Market subjects across the districts; every tenth a platform shop without a USCC."""
    districts = [code for code, region in registry.regions.items() if region.level == "district"]
    pool = []
    for j in range(max(n, 1)):
        region = rng.choice(districts)
        if shops and j % 10 == 9:
            pool.append(SubjectRef(platform=rng.choice(["taobao", "meituan", "jd"]), shop_id=f"shop-{j}",
                                   name=f"网店{j}", region=region))
        else:
            pool.append(SubjectRef(uscc=make_uscc(region, f"B{j:07d}"), name=f"商户{j}", region=region))
    return pool


def synthetic(n: int, rng: random.Random, registry: Registry) -> list[Facts]:
    """`n` complaints over a year, about four per subject, routed as the registry routes them."""
    pool = subjects(n // 4, rng, registry)
    start, step = datetime.now(timezone.utc) - timedelta(days=420), timedelta(days=360) / n
    facts = []
    for i in range(n):
        subject, category = rng.choice(pool), rng.choice(list(registry.categories))
        route = registry.route(category, subject.region)
        facts.append(Facts(new_id(rng), "report" if rng.random() < 0.2 else "complaint", category, subject,
                           route.lead, list(route.co_agencies), start + i * step))
    return facts


async def seed_complaints(url: str, n: int, rng: random.Random, registry: Registry) -> list[Facts]:
    """Escalated complaints in the complaints database, through the real intake, acceptance and escalation."""
    from services.complaints import handling
    from services.complaints.app import DEFINITION
    from services.complaints.intake import submit_complaint
    from services.complaints.repository import ComplaintsUnitOfWork
    from services.complaints.schemas import Complainant, ComplaintCreate

    runtime = await build_runtime(replace(DEFINITION, handlers=None), settings_for("complaints", url, "127.0.0.1:1"))
    intake = Principal(sub="bench-intake", agency="440100-12345", roles=frozenset({"intake"}))
    pool, categories = subjects(n // 4, rng, registry, shops=False), list(registry.categories)
    start, step = datetime.now(timezone.utc) - timedelta(days=420), timedelta(days=360) / n
    facts = []
    try:
        for i in range(n):
            s = rng.choice(pool)
            data = ComplaintCreate(
                kind="report" if i % 5 == 4 else "complaint", channel="hotline_12345", external_ref=f"bench-{i}",
                complainant=Complainant(name="张三", phone=f"139{i:08d}"), category=rng.choice(categories),
                subject=Subject(uscc=s.uscc, name=s.name, region=s.region), description="商品与描述不符，商家拒绝退货。")
            async with ComplaintsUnitOfWork.begin(runtime, now=start + i * step) as uow:
                c, _ = await submit_complaint(uow=uow, by=intake, data=data)
            officer = Principal(sub=OFFICER, agency=c.lead_agency, roles=frozenset({"officer"}))
            async with ComplaintsUnitOfWork.begin(runtime, now=start + i * step) as uow:
                await handling.accept(uow=uow, by=officer, complaint_id=c.id, note=None)
            async with ComplaintsUnitOfWork.begin(runtime, now=start + i * step) as uow:
                c = await handling.escalate(uow=uow, by=officer, complaint_id=c.id, reason="涉嫌违法，转线索核查")
            facts.append(Facts(c.id, c.kind, c.category, ref_of(c), c.lead_agency, list(c.co_agencies),
                               c.received_at))
    finally:
        await runtime.stop()
    return facts


def lifecycle(c: Facts, fate: str, rng: random.Random) -> list[tuple]:
    """The events of one complaint's life (and of the clue and case it may lead to): (time, type, key, payload)."""
    def at(days: float) -> datetime:
        return c.received_at + timedelta(days=days)

    anonymous = c.kind == "report" and rng.random() < 0.5
    events = [
        (at(0), "complaint.received", c.id, co.ComplaintReceived(
            complaint_id=c.id, kind=c.kind, channel=rng.choice(["hotline_12345", "hotline_12315", "web"]),
            category=c.category, subject=c.subject, received_at=at(0), anonymous=anonymous,
            complainant_key=None if anonymous else f"{rng.getrandbits(128):032x}")),
        (at(0), "complaint.routed", c.id, co.ComplaintRouted(
            complaint_id=c.id, category=c.category, region=c.subject.region, lead_agency=c.lead,
            co_agencies=c.co, due_at=at(9))),
    ]
    if fate == "rejected":
        return events + [(at(2), "complaint.rejected", c.id, co.ComplaintRejected(
            complaint_id=c.id, lead_agency=c.lead, ground="not_this_office", decided_by=OFFICER))]
    events.append((at(1), "complaint.accepted", c.id, co.ComplaintAccepted(
        complaint_id=c.id, lead_agency=c.lead, decided_by=OFFICER, next_due_at=at(60))))
    if fate == "mediated":
        return events + [
            (at(20), "complaint.mediation_concluded", c.id, co.ComplaintMediationConcluded(
                complaint_id=c.id, lead_agency=c.lead, outcome="success")),
            (at(20), "complaint.closed", c.id, co.ComplaintClosed(complaint_id=c.id, lead_agency=c.lead,
                                                                  outcome="mediated"))]
    clue_id, case_id = new_id(rng), new_id(rng)
    events += [
        (at(5), "complaint.escalated", c.id, co.ComplaintEscalated(
            complaint_id=c.id, kind=c.kind, category=c.category, subject=c.subject, lead_agency=c.lead,
            reason="涉嫌违法，转线索核查", escalated_by=OFFICER)),
        (at(5), "clue.registered", clue_id, ca.ClueRegistered(
            clue_id=clue_id, source="complaint", subject=c.subject, category=c.category, agency=c.lead,
            complaint_ids=[c.id], due_at=at(20)))]
    if fate == "dismissed":
        return events + [
            (at(12), "clue.verified", clue_id, ca.ClueVerified(clue_id=clue_id, decision="dismiss",
                                                               reason="证据不足", complaint_ids=[c.id],
                                                               source="complaint", source_ref=c.id)),
            (at(12), "complaint.closed", c.id, co.ComplaintClosed(complaint_id=c.id, lead_agency=c.lead,
                                                                  outcome="clue_dismissed"))]
    penalty = rng.random() < 0.7
    return events + [
        (at(12), "clue.verified", clue_id, ca.ClueVerified(clue_id=clue_id, decision="file", case_id=case_id,
                                                           complaint_ids=[c.id], source="complaint",
                                                           source_ref=c.id)),
        (at(12), "case.filed", case_id, ca.CaseFiled(
            case_id=case_id, clue_id=clue_id, agency=c.lead, subject=c.subject, category=c.category,
            complaint_ids=[c.id], due_at=at(102), clue_source="complaint", clue_source_ref=c.id)),
        (at(60), "case.decided", case_id, ca.CaseDecided(
            case_id=case_id, agency=c.lead, subject=c.subject, category=c.category,
            outcome="penalty" if penalty else "soft_measure", measures=["fine"] if penalty else ["warning"],
            severity=rng.choices(["minor", "general", "serious"], [60, 35, 5])[0],
            fine_amount=Decimal(rng.randrange(2, 500) * 1000) if penalty else None,
            legal_basis="《电子商务法》第八十五条", subjective_intent=rng.random() < 0.3, decided_on=at(60).date())),
        (at(65), "case.closed", case_id, ca.CaseClosed(
            case_id=case_id, agency=c.lead, complaint_ids=[c.id], clue_ids=[clue_id],
            outcome="penalty" if penalty else "warning")),
        (at(65), "complaint.closed", c.id, co.ComplaintClosed(complaint_id=c.id, lead_agency=c.lead,
                                                              outcome="case_closed"))]


def stream(handled: set[str], facts: list[Facts], fates: tuple[str, ...], n: int,
           rng: random.Random) -> list[tuple]:
    """`n` records of the types a service handles, from the middle of the time-ordered stream (steady state)."""
    events, by_subject = [], {}
    for i, c in enumerate(facts):
        events += lifecycle(c, fates[i % len(fates)], rng)
        same = by_subject.setdefault(c.subject.uscc or c.subject.shop_id, [])
        same.append(c.id)
        if i % 25 == 24:
            events.append((c.received_at, "complaint.cluster_alert", c.id, co.ComplaintClusterAlert(
                cluster_id=new_id(rng), subject=c.subject, category=c.category, lead_agency=c.lead,
                complaint_ids=same[-5:], window_days=30, count=len(same))))
        if i % 50 == 49 and c.subject.uscc:
            events.append((c.received_at, "credit.observation_started", c.subject.uscc, cr.CreditObservation(
                observation_id=new_id(rng), uscc=c.subject.uscc, starts_on=c.received_at.date(),
                ends_on=c.received_at.date() + timedelta(days=90), reason="重点监管")))
        if i % 100 == 99:
            events.append((c.received_at, "complainant.flagged", c.id, co.ComplainantFlagged(
                complainant_key=f"{rng.getrandbits(128):032x}", reasons=["too_many_complaints"],
                flagged_by="system", complaints_in_window=21)))
    events = sorted((e for e in events if e[1] in handled), key=lambda e: e[0])
    start = max(0, (len(events) - n) // 2)
    return [record(*e) for e in events[start:start + n]]


def record(at: datetime, event_type: str, key: str, payload) -> tuple:
    """(topic, key, value, headers) as the owning service's outbox would send it."""
    spec = spec_for(event_type)
    event = encode(type=event_type, source=f"/jointsup/{spec.topic.split('.')[1]}", subject=key,
                   data=payload.model_dump(mode="json"), time=at)
    return spec.topic, event.key.encode(), event.value, list(event.headers.items())


def settings_for(service: str, url: str, bootstrap: str):
    module = importlib.import_module(f"services.{service}.settings")
    cls = next(v for k, v in vars(module).items() if k.endswith("Settings") and k != "ServiceSettings")
    # A 6 s session makes the join quicker (Tansu holds a join for half of it); it is not timed.
    return cls(database_url=url, kafka_bootstrap_servers=bootstrap, migrate_on_start=False, log_level="WARNING",
               consumer_session_timeout_ms=6000)
