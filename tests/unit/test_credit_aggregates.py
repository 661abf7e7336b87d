"""Credit's aggregates with no I/O: each command allowed or refused by the state it finds, the deadlines it sets
through the calendar, and the events it records."""
from datetime import date, datetime, timedelta, timezone

import pytest

from services.credit.domain.draws import InspectionDraw
from services.credit.domain.listing import Listing, ListingProposal
from services.credit.domain.observation import Observation
from services.credit.domain.record import Record
from services.credit.domain.repair import Repair
from services.credit.domain.sanctions import Measure, Sanction
from services.credit.domain.scoring import Facts, PenaltyFact
from services.credit.domain.subject import Subject
from services.credit.rules_file import load_rules
from shared.errors import Conflict, InvalidInput
from shared.events.payloads.cases import CaseDecided
from shared.workdays import WorkingCalendar

RULES, CALENDAR = load_rules(), WorkingCalendar()
AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Beijing
TODAY = date(2026, 11, 2)
USCC = "91440105MA5XXXXX1A"
MEASURE = Measure(code="government_procurement", name_zh="限制参加政府采购活动", function="finance", basis="政府采购法")


def decided(*, severity="serious", intent: bool | None = True, outcome="penalty", on=TODAY) -> CaseDecided:
    return CaseDecided(case_id="case-1", agency="440105-amr", subject={"uscc": USCC, "region": "440105"},
                       category="counterfeit", outcome=outcome, measures=["fine"], severity=severity,
                       fine_amount="1000.00", legal_basis="《商标法》第六十条", subjective_intent=intent, decided_on=on)


def penalty(**kwargs) -> Record:
    record = Record.of_decision(decided=decided(**kwargs), event_id="evt-1", rules=RULES, at=AT)
    record.take()
    return record


def proposal(record: Record | None = None, at: datetime = AT) -> ListingProposal:
    made = ListingProposal.propose(record=record or penalty(), reasons=["情节严重"], source="auto", by="system",
                                   at=at, calendar=CALENDAR, notice_days=5, open_one=None)
    made.take()
    return made


def listing() -> Listing:
    noticed = proposal()
    noticed.decide(decision="list", reason="依法列入", by="officer", at=noticed.hearing_due_at + timedelta(seconds=1))
    listed = Listing.of(noticed, reason="依法列入", rules=RULES, today=TODAY + timedelta(days=8))
    listed.take()
    return listed


def types(aggregate) -> list[str]:
    return [e.type for e in aggregate.recorded]


def test_a_decision_becomes_a_record_public_for_its_severitys_period():
    record = Record.of_decision(decided=decided(severity="general"), event_id="evt-1", rules=RULES, at=AT)
    assert record.publicity_until == date(2027, 11, 2) and record.kind == "penalty"
    (added,) = record.recorded
    assert (added.type, added.subject, added.payload.source_event_id) == ("credit.record_added", USCC, "evt-1")
    assert penalty(severity="minor").publicity_until is None
    assert penalty(outcome="no_penalty").publicity_until is None


def test_only_a_serious_penalty_with_intent_is_proposed_for_listing():
    assert "a serious violation" in penalty().listing_reasons(RULES)[0]
    assert penalty(intent=None).listing_reasons(RULES) is not None
    assert penalty(intent=False).listing_reasons(RULES) is None
    assert penalty(severity="general").listing_reasons(RULES) is None


def test_a_record_is_revoked_once_and_then_takes_no_repair():
    record = penalty()
    record.require_open()
    record.revoke(reason="行政复议决定撤销", at=AT)
    assert record.revoked_at == AT and record.summary == "revoked: 行政复议决定撤销"
    with pytest.raises(Conflict, match="already revoked"):
        record.revoke(reason="again", at=AT)
    with pytest.raises(Conflict, match="repaired or revoked"):
        record.require_open()


def test_a_proposal_gives_notice_for_five_working_days_and_is_decided_once():
    made = ListingProposal.propose(record=penalty(), reasons=["情节严重"], source="auto", by="system",
                                   at=datetime(2026, 11, 6, 2, tzinfo=timezone.utc), calendar=CALENDAR,
                                   notice_days=5, open_one=None)  # a Friday: the weekend does not count
    assert made.hearing_due_at.astimezone(CALENDAR.tz).date() == date(2026, 11, 13)
    assert types(made) == ["credit.listing_proposed"] and made.recorded[0].subject == USCC
    with pytest.raises(Conflict, match="heard until") as too_early:
        made.decide(decision="list", reason="r", by="officer", at=made.hearing_due_at - timedelta(hours=1))
    assert too_early.value.extra["allowed_actions"] == ["drop"]
    made.decide(decision="list", reason="r", by="officer", at=made.hearing_due_at + timedelta(seconds=1))
    assert (made.status, made.decided_by) == ("listed", "officer")
    with pytest.raises(Conflict, match="already decided"):
        made.decide(decision="drop", reason="r", by="officer", at=made.hearing_due_at + timedelta(days=1))


def test_a_proposal_may_be_dropped_during_the_hearing_and_none_is_made_twice_or_without_intent():
    noticed = proposal()
    noticed.decide(decision="drop", reason="陈述申辩成立", by="officer", at=AT)
    assert noticed.status == "dropped"
    with pytest.raises(InvalidInput, match="subjective intent"):
        ListingProposal.propose(record=penalty(intent=False), reasons=["r"], source="officer", by="o", at=AT,
                                calendar=CALENDAR, notice_days=5, open_one=None)
    with pytest.raises(Conflict, match="already has a listing proposal"):
        ListingProposal.propose(record=penalty(), reasons=["r"], source="officer", by="o", at=AT,
                                calendar=CALENDAR, notice_days=5, open_one=proposal())


def test_a_listing_needs_a_listed_proposal_and_ends_after_three_years_at_the_latest():
    with pytest.raises(Conflict, match="not listed"):
        Listing.of(proposal(), reason="r", rules=RULES, today=TODAY)
    listed = listing()
    assert (listed.status, listed.listed_on) == ("active", date(2026, 11, 10))
    assert (listed.removal_request_from, listed.remove_by) == (date(2027, 11, 10), date(2029, 11, 9))
    assert listed.basis == "情节严重; 依法列入"


def test_a_listing_imposes_its_sanctions_due_in_working_days_and_lifts_them_when_it_ends():
    listed = listing()
    sanctions = listed.impose([(MEASURE, "440100-finance")], at=AT, calendar=CALENDAR, execution_days=10)
    (imposed,) = listed.recorded
    assert imposed.type == "credit.sanctions_imposed"
    assert [s.sanction_id for s in imposed.payload.sanctions] == [s.id for s in sanctions]
    (sanction,) = sanctions
    assert (sanction.status, sanction.agency, sanction.basis) == ("imposed", "440100-finance", "政府采购法")
    assert sanction.due_at.astimezone(CALENDAR.tz).date() == date(2026, 11, 16)
    listed.take()
    listed.delist(reason="credit repaired", sanctions=sanctions, at=AT)
    assert (listed.status, listed.removal_reason, sanction.status, sanction.due_at) == (
        "removed", "credit repaired", "lifted", None)
    assert types(listed) == ["credit.delisted"]
    with pytest.raises(Conflict, match="the listing is removed"):
        listed.delist(reason="again", sanctions=[], at=AT)


def sanction() -> Sanction:
    return Sanction.impose(listing_id="l-1", uscc=USCC, measure=MEASURE, agency="440100-finance", due_at=AT)


def test_a_sanction_is_executed_once_and_then_nothing_is_due():
    imposed = sanction()
    imposed.execute(note="已限制", by="finance-officer", at=AT)
    assert (imposed.status, imposed.due_at, imposed.executed_by) == ("executed", None, "finance-officer")
    assert types(imposed) == ["credit.sanction_executed"]
    with pytest.raises(Conflict, match="the sanction is executed"):
        imposed.execute(note=None, by="finance-officer", at=AT)
    with pytest.raises(Conflict):
        imposed.mark_overdue()


def test_a_sanction_not_executed_is_overdue_once_per_due_date():
    imposed = sanction()
    imposed.mark_overdue()
    (overdue,) = imposed.recorded
    assert (overdue.type, overdue.payload.step, overdue.payload.region) == ("credit.sanction_overdue", "execution",
                                                                            "440100")
    with pytest.raises(Conflict):
        imposed.mark_overdue()
    imposed.lift(at=AT)
    assert imposed.status == "lifted"


def request(record: Record, **kwargs) -> Repair:
    made = Repair.request(uscc=USCC, record=record, record_id=record.id, reason="已整改", evidence=["凭证"],
                          obligations_met=kwargs.get("obligations_met", True), commitment=True, by="o", at=AT)
    made.take()
    return made


def test_a_repair_is_asked_for_a_penalty_of_the_subject_still_in_force():
    record = penalty()
    made = Repair.request(uscc=USCC, record=record, record_id=record.id, reason="r", evidence=[],
                          obligations_met=True, commitment=True, by="o", at=AT)
    assert made.status == "requested" and types(made) == ["credit.repair_requested"]
    for other, record_id in ((None, "nope"), (Record.note(kind="listing", uscc=USCC, summary="s", at=AT,
                                                          today=TODAY), "x")):
        with pytest.raises(InvalidInput, match="has no penalty record"):
            Repair.request(uscc=USCC, record=other, record_id=record_id, reason="r", evidence=[],
                           obligations_met=True, commitment=True, by="o", at=AT)
    record.revoke(reason="r", at=AT)
    with pytest.raises(Conflict, match="repaired or revoked"):
        Repair.request(uscc=USCC, record=record, record_id=record.id, reason="r", evidence=[],
                       obligations_met=True, commitment=True, by="o", at=AT)


def test_a_repair_is_approved_only_once_eligible_and_then_repairs_the_record():
    record = penalty()
    early = request(record)
    with pytest.raises(Conflict, match="may be repaired from 2027-11-02") as refused:
        early.decide(decision="approve", reason="r", record=record, rules=RULES, by="o", at=AT, today=TODAY)
    assert refused.value.extra["eligible_from"] == "2027-11-02" and early.status == "requested"
    a_year_on = AT + timedelta(days=365)
    check = early.decide(decision="approve", reason="r", record=record, rules=RULES, by="o", at=a_year_on,
                         today=date(2027, 11, 2))
    assert check.eligible and early.status == "approved" and record.repaired_at == a_year_on
    assert types(early) == ["credit.repaired"]
    with pytest.raises(Conflict, match="already approved"):
        early.decide(decision="deny", reason="r", record=record, rules=RULES, by="o", at=a_year_on, today=TODAY)


def test_a_repair_may_be_denied_and_then_repairs_nothing():
    record = penalty()
    unmet = request(record, obligations_met=False)
    check = unmet.decide(decision="deny", reason="未履行", record=record, rules=RULES, by="o", at=AT, today=TODAY)
    assert not check.eligible and "obligations" in check.reasons[1]
    assert unmet.status == "denied" and record.repaired_at is None and unmet.recorded == []


def test_an_observation_is_announced_when_it_starts_and_when_it_ends_once_each():
    later = Observation.start(uscc=None, business_tag="live_commerce", starts_on=TODAY + timedelta(days=1),
                              ends_on=TODAY + timedelta(days=30), reason="新业态", by="lead", at=AT, today=TODAY)
    assert not later.started and later.recorded == []
    later.announce(today=TODAY + timedelta(days=1))
    later.announce(today=TODAY + timedelta(days=2))
    assert types(later) == ["credit.observation_started"] and later.recorded[0].subject == "tag:live_commerce"
    later.announce(today=TODAY + timedelta(days=31))
    later.announce(today=TODAY + timedelta(days=32))
    assert types(later) == ["credit.observation_started", "credit.observation_ended"] and later.ended
    now = Observation.start(uscc=USCC, business_tag=None, starts_on=TODAY, ends_on=TODAY, reason="r", by="o",
                            at=AT, today=TODAY)
    assert now.started and now.recorded[0].subject == USCC


def test_a_subject_announces_its_tier_only_when_it_moves():
    subject = Subject(uscc=USCC, updated_at=AT)
    subject.rescore(Facts(), rules=RULES, today=TODAY, at=AT, name="海珠某电商")
    assert subject.recorded == [] and (subject.tier, subject.name) == ("A", "海珠某电商")
    subject.rescore(Facts(penalties=(PenaltyFact("p1", "serious", TODAY),)), rules=RULES, today=TODAY, at=AT)
    (changed,) = subject.recorded
    assert (changed.type, changed.subject, changed.payload.from_tier, changed.payload.to_tier) == (
        "credit.tier_changed", USCC, "A", subject.tier)
    assert subject.explanation["score"] == subject.score == 70.0 and subject.name == "海珠某电商"


def test_a_draw_needs_enough_inspectors_and_is_published_with_its_inputs():
    args = dict(subjects={USCC: "A"}, seed="s", region="440105", category=None, shares={"A": 1.0},
                conflicts={USCC: ["i-2", "i-1"]}, per_subject=1, by="o", at=AT)
    with pytest.raises(InvalidInput, match="without a conflict"):
        InspectionDraw.make(inspectors=["i-1", "i-2"], **args)
    made = InspectionDraw.make(inspectors=["i-3", "i-1", "i-2"], **args)
    assert made.drawn == [{"uscc": USCC, "tier": "A", "inspectors": ["i-3"]}] and made.population == 1
    assert made.inputs["conflicts"] == {USCC: ["i-1", "i-2"]} and made.inputs["inspectors"] == ["i-1", "i-2", "i-3"]
    (published,) = made.recorded
    assert (published.type, published.subject, published.payload.drawn) == ("inspection.draw_published", made.id, 1)
