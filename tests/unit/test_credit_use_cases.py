"""The credit use cases on an in-memory unit of work: who may decide on a record, listing, sanction, repair or
observation, and what a decision leaves behind, with no database and no broker."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.credit import listing, observations, records, repairs
from services.credit.domain.record import Record
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events.payloads.cases import CaseDecided
from shared.events.payloads.complaints import ComplainantFlagged
from shared.identity.principal import Principal, region_of_agency
from tests.unit.fake_credit import FakeUnitOfWork

AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
USCC = "91440105MA5XXXXX1A"


def caller(agency: str, *roles: str) -> Principal:
    return Principal(sub=f"t:{agency}", agency=agency, roles=frozenset(roles or ("officer",)),
                     region=region_of_agency(agency))


HAIZHU, TIANHE = caller("440105-amr"), caller("440106-amr")


def decided(*, uscc: str | None = USCC, severity="serious", intent: bool | None = True) -> CaseDecided:
    return CaseDecided(case_id="case-1", agency="440105-amr", subject={"uscc": uscc, "region": "440105"},
                       category="counterfeit", outcome="penalty", measures=["fine"], severity=severity,
                       fine_amount="1000.00", legal_basis="《商标法》第六十条", subjective_intent=intent,
                       decided_on=AT.date())


async def recorded(uow: FakeUnitOfWork, **kwargs) -> Record:
    return await records.record_decision(uow=uow, event_id="evt-1", decided=decided(**kwargs))


async def listed(uow: FakeUnitOfWork) -> Record:
    """A serious penalty, listed once the hearing period is over."""
    record = await recorded(uow)
    (proposal,) = uow.proposals.stored.values()
    uow.now = proposal.hearing_due_at + timedelta(minutes=1)
    await listing.decide(uow=uow, by=HAIZHU, proposal_id=proposal.id, decision="list", reason="依法列入")
    return record


async def test_a_serious_decision_is_recorded_scored_and_proposed_for_listing():
    uow = FakeUnitOfWork(now=AT)
    record = await recorded(uow)
    (proposal,) = uow.proposals.stored.values()
    assert (proposal.record_id, proposal.source, proposal.status) == (record.id, "auto", "noticed")
    assert proposal.hearing_due_at.astimezone(uow.calendar.tz).date() == date(2026, 11, 9)
    assert uow.subjects.stored[USCC].tier == "C"
    assert sorted(uow.recorded()) == ["credit.listing_proposed", "credit.record_added", "credit.tier_changed"]


async def test_no_proposal_without_intent_and_no_record_without_a_uscc():
    uow = FakeUnitOfWork(now=AT)
    assert await recorded(uow, uscc=None) is None and not uow.records.stored
    await recorded(uow, intent=False)
    assert len(uow.records.stored) == 1 and not uow.proposals.stored
    record_id = next(iter(uow.records.stored))
    with pytest.raises(InvalidInput, match="subjective intent"):
        await listing.propose_by_officer(uow=uow, by=HAIZHU, uscc=USCC, record_id=record_id, reasons=["r"])
    with pytest.raises(Forbidden):
        await listing.propose_by_officer(uow=uow, by=TIANHE, uscc=USCC, record_id=record_id, reasons=["r"])
    with pytest.raises(InvalidInput, match="no penalty record"):
        await listing.propose_by_officer(uow=uow, by=HAIZHU, uscc="91440106MA5XXXXX1B", record_id=record_id,
                                         reasons=["r"])


async def test_only_the_deciding_agency_lists_and_only_after_the_hearing():
    uow = FakeUnitOfWork(now=AT)
    await recorded(uow)
    (proposal,) = uow.proposals.stored.values()
    with pytest.raises(NotFound):
        await listing.decide(uow=uow, by=HAIZHU, proposal_id="nope", decision="list", reason="r")
    with pytest.raises(Forbidden):
        await listing.decide(uow=uow, by=TIANHE, proposal_id=proposal.id, decision="list", reason="r")
    with pytest.raises(Conflict, match="heard until"):
        await listing.decide(uow=uow, by=HAIZHU, proposal_id=proposal.id, decision="list", reason="r")
    assert uow.committed == 0 and not uow.listings.stored


async def test_a_listing_imposes_each_measure_on_the_agency_serving_the_subjects_region():
    uow = FakeUnitOfWork(now=AT)
    await listed(uow)
    (active,) = uow.listings.stored.values()
    by_measure = {s.measure: s.agency for s in uow.sanctions.stored.values()}
    assert by_measure["government_procurement"] == "440100-finance" and by_measure["financing"] == "440100-fin"
    assert all(s.listing_id == active.id and s.status == "imposed" for s in uow.sanctions.stored.values())
    assert [r.kind for r in uow.records.stored.values()] == ["penalty", "listing"]
    assert uow.subjects.stored[USCC].tier == "D" and uow.committed == 1


async def test_only_the_executing_agency_reports_a_sanction_executed_once():
    uow = FakeUnitOfWork(now=AT)
    await listed(uow)
    procurement = next(s for s in uow.sanctions.stored.values() if s.measure == "government_procurement")
    with pytest.raises(Forbidden):
        await listing.report_execution(uow=uow, by=caller("440100-fin"), sanction_id=procurement.id, note=None)
    done = await listing.report_execution(uow=uow, by=caller("440100-finance"), sanction_id=procurement.id,
                                          note="已限制")
    assert done.status == "executed"
    with pytest.raises(Conflict):
        await listing.report_execution(uow=uow, by=caller("440100-finance"), sanction_id=procurement.id, note=None)


async def test_a_revocation_by_the_deciding_agency_ends_the_listing_and_lifts_the_sanctions():
    uow = FakeUnitOfWork(now=AT)
    record = await listed(uow)
    with pytest.raises(Forbidden):
        await records.revoke(uow=uow, by=TIANHE, record_id=record.id, reason="r")
    with pytest.raises(NotFound):
        await records.revoke(uow=uow, by=HAIZHU, record_id="nope", reason="r")
    await records.revoke(uow=uow, by=HAIZHU, record_id=record.id, reason="行政复议决定撤销")
    (removed,) = uow.listings.stored.values()
    assert removed.status == "removed" and removed.removal_reason == "penalty revoked: 行政复议决定撤销"
    assert {s.status for s in uow.sanctions.stored.values()} == {"lifted"}
    assert uow.subjects.stored[USCC].tier == "A"
    with pytest.raises(Conflict, match="already revoked"):
        await records.revoke(uow=uow, by=HAIZHU, record_id=record.id, reason="again")


async def test_a_repair_is_approved_by_the_deciding_agency_once_eligible_and_delists():
    uow = FakeUnitOfWork(now=AT)
    record = await listed(uow)
    with pytest.raises(InvalidInput):
        await repairs.request(uow=uow, by=TIANHE, uscc="91440106MA5XXXXX1B", record_id=record.id, reason="r",
                              evidence=[], obligations_met=True, commitment=True)
    repair, check = await repairs.request(uow=uow, by=TIANHE, uscc=USCC, record_id=record.id, reason="已整改",
                                          evidence=["凭证"], obligations_met=True, commitment=True)
    assert not check.eligible and check.from_date == date(2027, 11, 2)  # any agency's window takes the request
    with pytest.raises(Forbidden):
        await repairs.decide(uow=uow, by=TIANHE, repair_id=repair.id, decision="approve", reason="r")
    with pytest.raises(Conflict, match="not eligible"):
        await repairs.decide(uow=uow, by=HAIZHU, repair_id=repair.id, decision="approve", reason="r")
    uow.now = AT + timedelta(days=366)
    repaired, check = await repairs.decide(uow=uow, by=HAIZHU, repair_id=repair.id, decision="approve",
                                           reason="信用修复")
    assert repaired.status == "approved" and check.eligible and record.repaired_at == uow.now
    assert [li.removal_reason for li in uow.listings.stored.values()] == ["credit repaired: 信用修复"]
    assert [r.kind for r in uow.records.stored.values()] == ["penalty", "listing", "repair", "delisting"]


async def test_an_observation_over_a_subject_is_its_regions_and_over_a_business_model_a_lead_offices():
    uow = FakeUnitOfWork(now=AT)
    period = dict(starts_on=AT.date(), ends_on=AT.date() + timedelta(days=90), reason="新业态包容审慎")
    with pytest.raises(Forbidden, match="does not serve"):
        await observations.start(uow=uow, by=TIANHE, uscc=USCC, business_tag=None, **period)
    with pytest.raises(Forbidden, match="lead office"):
        await observations.start(uow=uow, by=HAIZHU, uscc=None, business_tag="live_commerce", **period)
    started = await observations.start(uow=uow, by=caller("440100-amr", "lead"), uscc=None,
                                       business_tag="live_commerce", **period)
    assert started.started and uow.recorded() == ["credit.observation_started"] and uow.committed == 1


async def test_a_complainant_flag_is_kept_apart_from_market_subjects():
    uow = FakeUnitOfWork(now=AT)
    record = records.record_complainant_flag(uow=uow, event_id="evt-2", flagged=ComplainantFlagged(
        complainant_key="k" * 64, reasons=["恶意投诉", "批量"], flagged_by="officer"))
    assert (record.subject_kind, record.uscc, record.summary) == ("complainant", None, "恶意投诉; 批量")
    assert uow.recorded() == [] and not uow.subjects.stored
