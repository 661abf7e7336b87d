"""The complaint aggregate on its own: each command against the state machine, its deadline on the working
calendar, the events and timeline steps it records. No database, no broker."""
from datetime import datetime, timedelta, timezone

import pytest

from services.complaints.domain.complaint import Complaint
from services.complaints.domain.deadlines import DeadlineRules, Schedule
from services.complaints.domain.lifecycle import TransitionNotAllowed
from shared.errors import Conflict, InvalidInput
from shared.registry import Routing
from shared.workdays import WorkingCalendar

SCHEDULE = Schedule(DeadlineRules(), WorkingCalendar())
SEP_29_10AM_BEIJING = datetime(2026, 9, 29, 2, 0, tzinfo=timezone.utc)
HAIZHU = Routing(lead="440105-amr", co_agencies=["440100-cac"])


def received(kind: str = "complaint", *, at: datetime = SEP_29_10AM_BEIJING, **details) -> Complaint:
    complaint = Complaint.receive(
        id="c-1", kind=kind, channel="web", external_ref="w-1", category="fake_reviews", category_source="given",
        category_terms=[], routing=HAIZHU, by="intake", at=at, schedule=SCHEDULE, subject_uscc="91440105MA5X9K2L4L",
        subject_region="440105", description="刷单炒信", **details)
    complaint.take()
    return complaint


def types(complaint: Complaint) -> list[str]:
    return [event.type for event in complaint.recorded]


def test_a_complaint_received_is_routed_and_due_for_acceptance_in_7_working_days():
    complaint = Complaint.receive(
        id="c-1", kind="complaint", channel="web", external_ref="w-1", category="fake_reviews",
        category_source="given", category_terms=[], routing=HAIZHU, by="intake", at=SEP_29_10AM_BEIJING,
        schedule=SCHEDULE, subject_region="440105", description="刷单炒信")
    events, steps = complaint.take()
    assert [e.type for e in events] == ["complaint.received", "complaint.routed"]
    assert [s.action for s in steps] == ["received", "routed"]
    assert steps[0].events == [events[0].ref] and steps[1].events == [events[1].ref]
    # National Day week off, Saturday 10 October worked: the 7th working day is 14 October
    assert complaint.due_at == datetime(2026, 10, 14, 15, 59, 59, 999999, tzinfo=timezone.utc)
    assert complaint.take() == ([], [])  # taken once


def test_a_complaint_handed_over_from_another_city_says_so_on_its_timeline():
    complaint = Complaint.receive(
        id="c-2", kind="complaint", channel="web", external_ref="w-2", category="fake_reviews",
        category_source="given", category_terms=[], routing=HAIZHU, by="intake", at=SEP_29_10AM_BEIJING,
        schedule=SCHEDULE, subject_region="440105", description="x", handed_over_from="330100-amr")
    assert [s.action for s in complaint.steps] == ["received", "routed", "handed_over"]
    assert complaint.recorded[1].payload.reason == "cross_region"


def test_acceptance_starts_mediation_for_a_complaint_and_verification_for_a_report():
    complaint, report = received(), received("report")
    complaint.accept(by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    report.accept(by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    assert (complaint.status, report.status) == ("mediating", "verifying")
    assert complaint.due_at == SCHEDULE.due("mediation", SEP_29_10AM_BEIJING)
    assert report.due_at == SCHEDULE.due("verification", SEP_29_10AM_BEIJING)
    assert types(complaint) == ["complaint.accepted"] and complaint.accepted_at == SEP_29_10AM_BEIJING


def test_a_command_the_state_machine_refuses_changes_nothing_and_names_what_is_allowed():
    complaint = received()
    with pytest.raises(TransitionNotAllowed) as refused:
        complaint.conclude_mediation(outcome="success", note=None, by="officer", at=SEP_29_10AM_BEIJING,
                                     schedule=SCHEDULE)
    assert isinstance(refused.value, Conflict) and refused.value.status == 409
    assert "accept" in refused.value.extra["allowed_actions"] and refused.value.extra["status_now"] == "received"
    assert (complaint.status, complaint.recorded, complaint.steps) == ("received", [], [])


def test_a_rejection_needs_a_statutory_ground_and_is_final():
    complaint = received()
    with pytest.raises(InvalidInput):
        complaint.reject(ground="does_not_exist", by="officer", at=SEP_29_10AM_BEIJING)
    complaint.reject(ground="time_barred", by="officer", at=SEP_29_10AM_BEIJING)
    assert (complaint.status, complaint.outcome, complaint.due_at) == ("rejected", "time_barred", None)
    assert complaint.closed_at == SEP_29_10AM_BEIJING and complaint.allowed_actions == []


def test_a_report_is_extended_once_and_closed_only_with_its_reason():
    report = received("report")
    report.accept(by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    due = report.due_at
    report.extend(reason="需检验检测", by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    assert report.due_at == SCHEDULE.extended(due)
    with pytest.raises(Conflict, match="already extended once"):
        report.extend(reason="再延", by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    with pytest.raises(InvalidInput) as no_reason:
        report.close(by="officer", at=SEP_29_10AM_BEIJING)
    assert no_reason.value.extra["errors"][0]["field"] == "reason"
    report.close(by="officer", at=SEP_29_10AM_BEIJING, reason="经核查未发现违法行为")
    assert (report.status, report.outcome) == ("closed", "not_substantiated")


def test_the_fast_channel_goes_only_to_the_subjects_own_platform():
    complaint = received(subject_platform="meituan")
    with pytest.raises(InvalidInput):
        complaint.forward(platform="taobao", by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    complaint.forward(platform="meituan", by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    assert (complaint.status, complaint.due_at) == ("forwarded", SCHEDULE.due("platform_response",
                                                                              SEP_29_10AM_BEIJING))
    complaint.answer_from_platform(outcome="unresolved", note=None, by="meituan", at=SEP_29_10AM_BEIJING,
                                   schedule=SCHEDULE)
    assert complaint.status == "received"


def test_an_expired_mediation_ends_and_a_silent_platform_gives_the_complaint_back():
    complaint = received()
    complaint.accept(by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    late = complaint.due_at + timedelta(minutes=1)
    complaint.mark_overdue(at=late, schedule=SCHEDULE)
    assert complaint.status == "mediation_failed" and complaint.recorded[-1].payload.outcome == "expired"
    forwarded = received(subject_platform="meituan")
    forwarded.forward(platform="meituan", by="system", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    due = forwarded.due_at
    forwarded.mark_overdue(at=due + timedelta(minutes=1), schedule=SCHEDULE)
    assert forwarded.status == "received" and forwarded.overdue_for == due
    assert [s.action for s in forwarded.steps][-2:] == ["overdue", "returned_from_platform"]


def test_a_held_complaint_released_counts_acceptance_from_receipt_and_may_go_to_its_platform():
    complaint = received(subject_platform="meituan")
    complaint.hold(at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    later = SEP_29_10AM_BEIJING + timedelta(days=20)
    complaint.release(note=None, by="officer", at=later, schedule=SCHEDULE, fast_channel=True)
    assert complaint.status == "forwarded" and types(complaint)[-1] == "complaint.forwarded_to_platform"
    plain = received()
    plain.hold(at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    plain.release(note=None, by="officer", at=later, schedule=SCHEDULE, fast_channel=False)
    assert plain.due_at == SCHEDULE.due("acceptance", SEP_29_10AM_BEIJING)


def test_a_new_lead_gets_its_own_acceptance_period():
    complaint = received()
    later = SEP_29_10AM_BEIJING + timedelta(days=3)
    complaint.reclassify(category="personal_information", routing=Routing(lead="440100-cac", co_agencies=[]),
                         reason="实为泄露个人信息", by="lead", at=later, schedule=SCHEDULE)
    assert (complaint.lead_agency, complaint.due_at) == ("440100-cac", SCHEDULE.due("acceptance", later))
    assert types(complaint) == ["complaint.routed"] and complaint.recorded[0].payload.reason == "reclassified"


def test_what_cases_did_closes_only_an_escalated_complaint():
    escalated = received()
    escalated.accept(by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    escalated.escalate(reason="涉嫌违法", by="officer", at=SEP_29_10AM_BEIJING)
    escalated.case_filed(case_id="case-1", by="/jointsup/cases", at=SEP_29_10AM_BEIJING, clue_id="clue-1")
    assert (escalated.status, escalated.case_id, escalated.due_at) == ("case_filed", "case-1", None)
    escalated.case_closed(case_id="case-1", outcome="penalty", by="/jointsup/cases", at=SEP_29_10AM_BEIJING)
    assert (escalated.status, escalated.outcome) == ("closed", "case_closed")
    in_a_cluster = received()
    in_a_cluster.accept(by="officer", at=SEP_29_10AM_BEIJING, schedule=SCHEDULE)
    in_a_cluster.clue_dismissed(clue_id="clue-2", reason="证据不足", by="/jointsup/cases", at=SEP_29_10AM_BEIJING)
    assert in_a_cluster.status == "mediating" and in_a_cluster.steps[-1].action == "clue_dismissed"
