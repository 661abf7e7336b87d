"""The complaints use cases on an in-memory unit of work: who may act on a complaint, and what an action leaves
behind (saved once, handed over once), without a database or a broker."""
from datetime import datetime, timezone

import pytest

from services.complaints import handling
from services.complaints.domain.complaint import Complaint
from services.complaints.domain.deadlines import DeadlineRules, Schedule
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.identity.principal import Principal, region_of_agency
from shared.registry import Routing
from shared.workdays import WorkingCalendar
from tests.unit.fake_complaints import FakeUnitOfWork

AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


def caller(agency: str | None, *roles: str, platform: str | None = None) -> Principal:
    return Principal(sub=f"t:{agency or platform}", agency=agency, roles=frozenset(roles),
                     region=region_of_agency(agency), platform=platform)


def complaint(**details) -> Complaint:
    made = Complaint.receive(id="c-1", kind="complaint", channel="web", external_ref="w-1", category="food_safety",
                             category_source="given", category_terms=[], by="intake", at=AT,
                             routing=Routing(lead="440105-amr", co_agencies=[]),
                             schedule=Schedule(DeadlineRules(), WorkingCalendar()), subject_region="440105",
                             description="x", intake_agency="440100-12345", **details)
    made.take()
    return made


async def test_only_the_lead_agencys_officers_act_and_strangers_learn_nothing():
    uow = FakeUnitOfWork(complaint(), now=AT)
    with pytest.raises(NotFound):
        await handling.accept(uow=uow, by=caller("330106-amr", "officer"), complaint_id="c-1", note=None)
    with pytest.raises(Forbidden):  # the intake centre sees it, but does not decide on it
        await handling.accept(uow=uow, by=caller("440100-12345", "intake"), complaint_id="c-1", note=None)
    with pytest.raises(NotFound):
        await handling.accept(uow=uow, by=caller("440105-amr", "officer"), complaint_id="c-2", note=None)
    accepted = await handling.accept(uow=uow, by=caller("440105-amr", "officer"), complaint_id="c-1", note=None)
    assert accepted.status == "mediating" and uow.committed == 1


async def test_the_lead_office_reroutes_but_does_not_decide():
    uow = FakeUnitOfWork(complaint(), now=AT)
    lead_office = caller("440100-amr", "lead")
    with pytest.raises(Forbidden):
        await handling.accept(uow=uow, by=lead_office, complaint_id="c-1", note=None)
    with pytest.raises(InvalidInput):
        await handling.reclassify(uow=uow, by=lead_office, complaint_id="c-1", category="no_such", reason="r")


async def test_only_the_platform_it_was_forwarded_to_answers():
    forwarded = complaint(subject_platform="meituan")
    forwarded.forward(platform="meituan", by="system", at=AT, schedule=Schedule(DeadlineRules(), WorkingCalendar()))
    forwarded.take()
    uow = FakeUnitOfWork(forwarded, now=AT)
    with pytest.raises(NotFound):  # another platform does not even see it
        await handling.platform_response(uow=uow, by=caller(None, "platform", platform="taobao"),
                                         complaint_id="c-1", outcome="resolved", note=None)
    with pytest.raises(Forbidden):  # the agency sees it, but the answer is the platform's
        await handling.platform_response(uow=uow, by=caller("440105-amr", "officer"), complaint_id="c-1",
                                         outcome="resolved", note=None)
    done = await handling.platform_response(uow=uow, by=caller(None, "platform", platform="meituan"),
                                            complaint_id="c-1", outcome="resolved", note=None)
    assert (done.status, done.outcome) == ("closed", "resolved_by_platform")


async def test_an_escalation_is_handed_over_once_and_an_unknown_platform_is_refused_first():
    uow = FakeUnitOfWork(complaint(), now=AT)
    officer = caller("440105-amr", "officer")
    with pytest.raises(InvalidInput, match="unknown platform"):
        await handling.forward(uow=uow, by=officer, complaint_id="c-1", platform="nowhere")
    with pytest.raises(Conflict):  # not accepted yet
        await handling.escalate(uow=uow, by=officer, complaint_id="c-1", reason="涉嫌违法")
    assert uow.handovers.recorded == []
    await handling.accept(uow=uow, by=officer, complaint_id="c-1", note=None)
    escalated = await handling.escalate(uow=uow, by=officer, complaint_id="c-1", reason="涉嫌违法")
    assert escalated.status == "escalated" and uow.handovers.recorded == [(["c-1"], ("complaint", "c-1"))]
    assert [e.type for e in escalated.recorded][-1] == "complaint.escalated"
