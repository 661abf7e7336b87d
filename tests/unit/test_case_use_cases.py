"""The cases use cases on an in-memory unit of work: who may act on a clue, a case and what is done on it, and
what an action leaves behind, without a database or a broker."""
from datetime import datetime, timezone

import pytest

from services.cases import assists, case_files, clues, joint_actions, referrals
from services.cases.domain.case import Case
from services.cases.domain.clue import Clue
from services.cases.domain.deadlines import CaseDeadlines, Schedule
from shared.errors import Conflict, Forbidden, InvalidInput, NotFound
from shared.events.payloads.common import SubjectRef
from shared.identity.principal import Principal, region_of_agency
from shared.workdays import WorkingCalendar
from tests.unit.fake_cases import FakeUnitOfWork

AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
SCHEDULE = Schedule(CaseDeadlines(), WorkingCalendar())
SUBJECT = SubjectRef(uscc="91440105MA5X9K2L4L", region="440105")


def caller(agency: str | None, *roles: str, platform: str | None = None) -> Principal:
    return Principal(sub=f"t:{agency or platform}", agency=agency, roles=frozenset(roles),
                     region=region_of_agency(agency), platform=platform)


OWNER, STRANGER = caller("440105-amr", "officer"), caller("330106-amr", "officer")


def pending(clue_id: str = "clue-1", agency: str = "440105-amr") -> Clue:
    clue = Clue.register(id=clue_id, source="monitoring", source_ref=f"m-{clue_id}", subject=SUBJECT,
                         category="fake_reviews", agency=agency, summary="刷单", complaint_ids=[], by="o", at=AT,
                         schedule=SCHEDULE)
    clue.take()
    return clue


def filed() -> Case:
    case = Case.file(pending("clue-0"), id="case-1", reason=None, by="o", at=AT, schedule=SCHEDULE)
    case.take()
    return case


async def test_only_the_verifying_agencys_officers_act_on_a_clue_and_strangers_learn_nothing():
    uow = FakeUnitOfWork(now=AT, clues=[pending()])
    with pytest.raises(NotFound):
        await clues.verify(uow=uow, by=STRANGER, clue_id="clue-1", decision="file", reason=None)
    with pytest.raises(Forbidden):  # the lead office over the region sees it, but does not verify it
        await clues.verify(uow=uow, by=caller("440100-amr", "lead"), clue_id="clue-1", decision="file", reason=None)
    assert uow.committed == 0
    clue, case = await clues.verify(uow=uow, by=OWNER, clue_id="clue-1", decision="file", reason=None)
    assert (clue.status, case.status) == ("filed", "filed") and uow.cases.stored == {case.id: case}
    assert uow.committed == 1


async def test_a_clue_on_the_subject_of_an_open_case_joins_it_instead_of_opening_another():
    uow = FakeUnitOfWork(now=AT, clues=[pending(agency="440106-amr")], cases=[filed()])
    clue, case = await clues.verify(uow=uow, by=caller("440106-amr", "officer"), clue_id="clue-1", decision="file",
                                    reason=None)
    assert (clue.status, case.id) == ("joined", "case-1") and list(uow.cases.stored) == ["case-1"]


async def test_registering_is_idempotent_per_source_and_checks_who_registers_what():
    uow = FakeUnitOfWork(now=AT)
    with pytest.raises(Forbidden, match="not yours to register"):
        await clues.register_from_http(uow=uow, by=caller(None, "platform", platform="taobao"), source="monitoring",
                                       source_ref="m-1", subject=SUBJECT, category="fake_reviews", agency=None,
                                       summary="x", complaint_ids=[])
    with pytest.raises(InvalidInput):
        await clues.register_from_http(uow=uow, by=OWNER, source="monitoring", source_ref="m-1", subject=SUBJECT,
                                       category="no_such", agency=None, summary="x", complaint_ids=[])
    first, created = await clues.register_from_http(uow=uow, by=OWNER, source="monitoring", source_ref="m-1",
                                                    subject=SUBJECT, category="fake_reviews", agency=None,
                                                    summary="x", complaint_ids=[])
    again, created_again = await clues.register_from_http(uow=uow, by=OWNER, source="monitoring", source_ref="m-1",
                                                          subject=SUBJECT, category="fake_reviews", agency=None,
                                                          summary="x", complaint_ids=[])
    assert created and not created_again and again is first and first.agency == "440105-amr"
    with pytest.raises(Conflict, match="already registered"):  # someone who may not see it learns nothing more
        await clues.register_from_http(uow=uow, by=STRANGER, source="monitoring", source_ref="m-1",
                                       subject=SUBJECT, category="fake_reviews", agency=None, summary="x",
                                       complaint_ids=[])


async def test_only_the_owners_officers_act_on_a_case():
    uow = FakeUnitOfWork(now=AT, cases=[filed()], participants={"case-1": {"440100-tax"}})
    with pytest.raises(NotFound):
        await case_files.investigate(uow=uow, by=STRANGER, case_id="case-1", note=None)
    with pytest.raises(Forbidden):  # a participant reads it, but does not act on it
        await case_files.investigate(uow=uow, by=caller("440100-tax", "officer"), case_id="case-1", note=None)
    with pytest.raises(Conflict):
        await case_files.close(uow=uow, by=OWNER, case_id="case-1", note=None)
    case = await case_files.decide(uow=uow, by=OWNER, case_id="case-1", outcome="penalty", measures=["warning"],
                                   fine_amount=None, legal_basis="x", ground=None, subjective_intent=None)
    assert (case.status, case.severity) == ("decided", "minor") and uow.committed == 1


async def test_each_side_of_a_referral_does_its_part_and_a_criminal_one_stays_unknown_to_the_police():
    uow = FakeUnitOfWork(now=AT, cases=[filed()])
    documents = ["transfer_letter", "investigation_report", "seized_items_list", "test_or_appraisal_reports"]
    referral = await referrals.refer(uow=uow, by=OWNER, case_id="case-1", to_agency="440100-psb", kind="criminal",
                                     reason="涉嫌犯罪", documents=documents)
    assert uow.referrals.stored == {referral.id: referral}
    police = caller("440100-psb", "officer")
    with pytest.raises(NotFound):  # not approved yet: the police do not take part
        await referrals.accept(uow=uow, by=police, referral_id=referral.id, note=None)
    uow.cases.taking_part["case-1"] = {"440100-psb"}
    with pytest.raises(Forbidden, match="sender"):
        await referrals.approve(uow=uow, by=police, referral_id=referral.id, note=None)
    await referrals.approve(uow=uow, by=OWNER, referral_id=referral.id, note=None)
    with pytest.raises(Forbidden, match="receiver"):
        await referrals.accept(uow=uow, by=OWNER, referral_id=referral.id, note=None)
    accepted = await referrals.accept(uow=uow, by=police, referral_id=referral.id, note=None)
    assert accepted.status == "accepted" and uow.cases.stored["case-1"].agency == "440105-amr"  # not a move


async def test_accepting_a_jurisdiction_referral_hands_the_case_to_the_receiver():
    uow = FakeUnitOfWork(now=AT, cases=[filed()], participants={"case-1": {"440106-amr"}})
    referral = await referrals.refer(uow=uow, by=OWNER, case_id="case-1", to_agency="440106-amr",
                                     kind="jurisdiction", reason="管辖", documents=[])
    with pytest.raises(InvalidInput):
        await referrals.forward(uow=uow, by=caller("440106-amr", "officer"), referral_id=referral.id,
                                to_agency="999999-amr", reason="x")
    await referrals.accept(uow=uow, by=caller("440106-amr", "officer"), referral_id=referral.id, note=None)
    assert uow.cases.stored["case-1"].agency == "440106-amr"


async def test_only_the_asked_agency_answers_an_assist():
    uow = FakeUnitOfWork(now=AT, cases=[filed()], participants={"case-1": {"440100-tax"}})
    with pytest.raises(InvalidInput):
        await assists.request(uow=uow, by=OWNER, case_id="case-1", to_agency="999999-tax", text="x")
    assist = await assists.request(uow=uow, by=OWNER, case_id="case-1", to_agency="440100-tax", text="账目")
    with pytest.raises(Forbidden):
        await assists.respond(uow=uow, by=OWNER, assist_id=assist.id, findings="x")
    with pytest.raises(NotFound):
        await assists.respond(uow=uow, by=STRANGER, assist_id=assist.id, findings="x")
    answered = await assists.respond(uow=uow, by=caller("440100-tax", "officer"), assist_id=assist.id, findings="ok")
    assert answered.status == "responded" and uow.committed == 2


async def test_each_task_is_its_agencys_and_only_the_parties_minute_a_consultation():
    uow = FakeUnitOfWork(now=AT, cases=[filed()], participants={"case-1": {"440100-cac", "440100-tax"}})
    action = await joint_actions.start(uow=uow, by=OWNER, case_id="case-1", participants=["440100-cac"],
                                       tasks=[("440100-cac", "下架")])
    task = action.tasks[0]
    with pytest.raises(Forbidden):
        await joint_actions.complete_task(uow=uow, by=OWNER, action_id=action.id, task_id=task.id, result=None)
    with pytest.raises(Forbidden):  # reads the case, but is not in the joint action
        await joint_actions.consult(uow=uow, by=caller("440100-tax", "officer"), action_id=action.id,
                                    held_on=AT.date(), attendees=[], conclusions="x")
    done = await joint_actions.complete_task(uow=uow, by=caller("440100-cac", "officer"), action_id=action.id,
                                             task_id=task.id, result="ok")
    consultation = await joint_actions.consult(uow=uow, by=OWNER, action_id=action.id, held_on=AT.date(),
                                               attendees=["a"], conclusions="会商")
    assert done.status == "completed" and action.consultations == [consultation]


async def test_the_receiver_refuses_the_sender_asks_for_review_and_a_second_refusal_is_final():
    tax = caller("440100-tax", "officer")
    uow = FakeUnitOfWork(now=AT, cases=[filed()], participants={"case-1": {"440100-tax"}})
    referral = await referrals.refer(uow=uow, by=OWNER, case_id="case-1", to_agency="440100-tax", kind="function",
                                     reason="涉嫌偷逃税款", documents=[])
    with pytest.raises(Forbidden):  # the sender does not accept its own referral
        await referrals.accept(uow=uow, by=OWNER, referral_id=referral.id, note=None)
    with pytest.raises(NotFound):
        await referrals.accept(uow=uow, by=caller("440106-amr", "officer"), referral_id=referral.id, note=None)
    rejected = await referrals.reject(uow=uow, by=tax, referral_id=referral.id, reason="材料不足")
    assert (rejected.status, rejected.allowed_actions) == ("rejected", ["review"])
    with pytest.raises(Forbidden):  # the receiver does not ask for its own review
        await referrals.review(uow=uow, by=tax, referral_id=referral.id, reason="已补充")
    await referrals.review(uow=uow, by=OWNER, referral_id=referral.id, reason="已补充材料")
    final = await referrals.reject(uow=uow, by=tax, referral_id=referral.id, reason="仍不属于")
    assert final.status == "rejected_final"
    with pytest.raises(Conflict) as refused:
        await referrals.review(uow=uow, by=OWNER, referral_id=referral.id, reason="再议")
    assert refused.value.extra["allowed_actions"] == []
    assert [e.type for e in final.recorded].count("referral.rejected") == 2
