"""Pure rules of who registers which clue, for which agency, citing which complaints; and which handover a clue
came from, as complaints reads it."""
import pytest

from services.cases.domain.clue_sources import KnownComplaint, agency_refusal, may_cite, source_refusal
from services.complaints.domain.handover import handover_of
from shared.identity import Principal, region_of_agency
from shared.registry import Registry

REGISTRY = Registry.load()


def caller(*roles: str, agency: str | None = None, platform: str | None = None) -> Principal:
    return Principal(sub="t", agency=agency, roles=frozenset(roles), region=region_of_agency(agency),
                     platform=platform)


HAIZHU, XIHU = caller("officer", agency="440105-amr"), caller("officer", agency="330106-amr")
GZ_LEAD, HZ_LEAD = caller("lead", agency="440100-amr"), caller("lead", agency="330100-amr")
PLATFORM, SERVICE = caller("platform", platform="taobao"), caller("service")


@pytest.mark.parametrize(("who", "source", "allowed"), [
    (HAIZHU, "agency", True), (HAIZHU, "monitoring", True), (HAIZHU, "platform_report", False),
    (GZ_LEAD, "agency", True), (PLATFORM, "platform_report", True), (PLATFORM, "monitoring", False),
    (PLATFORM, "agency", False), (SERVICE, "monitoring", True), (SERVICE, "agency", False),
    (caller("intake", agency="440100-12345"), "monitoring", False),
])
def test_each_role_registers_its_own_sources(who, source, allowed):
    assert (source_refusal(who, source) is None) is allowed


@pytest.mark.parametrize(("who", "agency", "allowed"), [
    (HAIZHU, "440105-amr", True),
    (HAIZHU, "440106-amr", False),  # a neighbour's
    (HAIZHU, "440100-psb", False),
    (GZ_LEAD, "440105-amr", True),  # the lead office over Haizhu
    (GZ_LEAD, "440100-psb", True),
    (GZ_LEAD, "330106-amr", False),
    (HZ_LEAD, "440105-amr", False),
    (PLATFORM, "440100-psb", False),  # a platform never chooses
    (PLATFORM, "440105-amr", False),
    (SERVICE, "440100-psb", True),
])
def test_who_may_assign_a_clue_to_an_agency(who, agency, allowed):
    assert (agency_refusal(who, agency, REGISTRY) is None) is allowed


LED = KnownComplaint(complaint_id="c", region="440105", lead_agency="440105-amr")
ESCALATED = KnownComplaint(complaint_id="c", region="440105", lead_agency="440106-amr",
                           escalated_to=frozenset({"440105-amr"}))


@pytest.mark.parametrize(("who", "complaint", "allowed"), [
    (HAIZHU, LED, True), (XIHU, LED, False), (caller("officer", agency="440106-amr"), LED, False),
    (HAIZHU, ESCALATED, True),  # the complaint moved on, the agency it was escalated to still cites it
    (GZ_LEAD, LED, True), (HZ_LEAD, LED, False), (PLATFORM, LED, False), (SERVICE, LED, False),
    (caller("admin", agency="440000-amr"), LED, False),
    (caller("intake", agency="440105-amr"), LED, False),  # the lead agency's code, but not an officer
])
def test_a_clue_cites_only_complaints_its_agency_may_act_on(who, complaint, allowed):
    assert may_cite(who, complaint, REGISTRY) is allowed


@pytest.mark.parametrize(("source", "ref", "handover"), [
    ("complaint", "c-1", ("complaint", "c-1")),
    ("cluster", "k-1", ("cluster", "k-1")),
    ("cluster", "k-1:10", ("cluster", "k-1")),  # a new clue after the cluster's first was dismissed
    ("agency", "c-1", None), ("monitoring", "k-1", None), ("platform_report", "x", None),
    (None, None, None), ("complaint", None, None), ("complaint", "", None),
])
def test_only_clues_from_complaints_own_handovers_come_back(source, ref, handover):
    assert handover_of(source, ref) == handover
