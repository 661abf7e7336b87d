"""The default agency registry: integrity, region queries, 1+N routing, joint meetings."""
from pathlib import Path

import pytest
import yaml

from shared.registry import (Registry, RegistryError, Routing, UnknownAgency, UnknownCategory, UnknownPlatform,
                             UnknownRegion, UnservedRegion)
from shared.registry.model import DEFAULT_PATH, INTAKE


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.load()


def test_default_loads_with_every_contract_region_and_category(registry):
    assert set(registry.regions) == {"440000", "440100", "440105", "440106", "330000", "330100", "330106"}
    assert len(registry.categories) == 19
    assert registry.region("440105").name_zh == "海珠区"
    assert registry.agency("440100-12315").function == INTAKE


def test_every_function_has_an_agency_wherever_it_exists(registry):
    for region in registry.regions.values():
        for function in registry.functions.values():
            expected = region.level in function.levels
            assert (f"{region.code}-{function.code}" in registry.agencies) is expected


@pytest.mark.parametrize(("category", "region", "lead", "co"), [
    ("food_safety", "440105", "440105-amr", []),
    ("personal_information", "440105", "440100-cac", ["440100-psb"]),
    ("fake_reviews", "440105", "440105-amr", ["440100-cac"]),
    ("illegal_fundraising", "330106", "330100-fin", ["330100-psb"]),
    ("counterfeit", "440100", "440100-amr", ["440100-psb"]),
    ("ip_infringement", "330106", "330106-amr", ["330100-court"]),
    ("illegal_content", "440000", "440000-cac", []),
])
def test_route_goes_to_the_lowest_level_with_the_function(registry, category, region, lead, co):
    assert registry.route(category, region) == Routing(lead=lead, co_agencies=co)


@pytest.mark.parametrize("region", ["440105", "330106"])
def test_every_category_is_served_in_each_district(registry, region):
    for code in registry.categories:
        routing = registry.route(code, region)
        assert routing.lead not in routing.co_agencies
        assert len(set(routing.co_agencies)) == len(routing.co_agencies)
        assert registry.is_within(region, registry.agency_region(routing.lead))


def test_route_at_province_level_is_unserved_for_city_only_functions(registry):
    with pytest.raises(UnservedRegion, match="psb.*440000"):
        registry.route("online_fraud", "440000")


def test_unknown_category_and_region_say_what_is_known(registry):
    with pytest.raises(UnknownCategory, match="'shoplifting'.*food_safety"):
        registry.route("shoplifting", "440105")
    with pytest.raises(UnknownRegion, match="'110101'.*440105"):
        registry.route("food_safety", "110101")
    with pytest.raises(UnknownAgency, match="'440105-psb'"):
        registry.agency("440105-psb")
    with pytest.raises(UnknownPlatform, match="'ebay'.*taobao"):
        registry.platform("ebay")
    assert issubclass(UnknownRegion, ValueError)


def test_region_queries(registry):
    assert registry.region_chain("440105") == ["440105", "440100", "440000"]
    assert registry.region_chain("330000") == ["330000"]
    assert registry.is_within("440105", "440000")
    assert registry.is_within("440105", "440105")
    assert not registry.is_within("440105", "440106")
    assert not registry.is_within("440100", "440105")
    assert not registry.is_within("999999", "440000")
    assert registry.regions_below("440100") == ["440100", "440105", "440106"]
    assert registry.regions_below("330106") == ["330106"]
    assert registry.city_of("440105") == "440100"
    assert registry.city_of("330100") == "330100"
    assert registry.city_of("440000") is None


def test_agency_queries(registry):
    assert registry.agency_region("440105-amr") == "440105"
    assert [a.code for a in registry.agencies_in("440000", "ca")] == ["440000-ca"]
    assert {a.code for a in registry.agencies_in("330100", INTAKE)} == {"330100-12345"}
    assert {a.code for a in registry.agencies_in("440105")} == {"440105-amr"}


def test_platforms(registry):
    assert registry.platform("vipshop").region == "440105"
    assert registry.platform("taobao").region == "330100"
    assert registry.platform("meituan").region is None


def test_joint_meetings_and_lead_offices(registry):
    meeting = registry.joint_meeting_for("440106")
    assert meeting is not None and meeting.convener == "440100-amr"
    assert "440100-psb" in meeting.members and "440100-amr" not in meeting.members
    assert all(registry.agency_region(m) == "440100" for m in meeting.members)
    assert registry.lead_office_for("440105") == "440100-amr"
    assert registry.lead_office_for("330106") == "330100-amr"
    assert registry.joint_meeting_for("330000") is None
    assert registry.lead_office_for("440000") is None


def _broken(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "registry.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _set_parent(data, code, parent):
    next(r for r in data["regions"] if r["code"] == code)["parent"] = parent


def _add_agency(data, region, function):
    data["agencies"].append({"code": f"{region}-{function}", "name_zh": "x", "name_en": "x",
                             "region": region, "function": function})


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: _set_parent(d, "440105", "440199"), "440105 has unknown parent 440199"),
    (lambda d: _set_parent(d, "440100", "440105"), "440100 (city) cannot sit under 440105"),
    (lambda d: _add_agency(d, "440105", "psb"), "function psb does not exist at district level"),
    (lambda d: _add_agency(d, "440105", "police"), "unknown function police"),
    (lambda d: _add_agency(d, "110101", "amr"), "unknown region 110101"),
    (lambda d: d["joint_meetings"][0]["members"].append("440100-nope"), "unknown agency 440100-nope"),
    (lambda d: d["categories"][0].update(co=["nope"]), "consumer_dispute names unknown function nope"),
    (lambda d: d["agencies"].append(dict(d["agencies"][0])), "duplicate agency 440000-amr"),
    (lambda d: d["platforms"][0].update(region="999999"), "platform taobao is in unknown region"),
])
def test_integrity_errors_on_broken_yaml(tmp_path, mutate, message):
    with pytest.raises(RegistryError, match="inconsistent") as info:
        Registry.load(_broken(tmp_path, mutate))
    assert message in str(info.value)


def test_unreadable_or_malformed_files_are_registry_errors(tmp_path):
    with pytest.raises(RegistryError, match="cannot load"):
        Registry.load(tmp_path / "missing.yaml")
    with pytest.raises(RegistryError, match="regions"):
        Registry.load(_broken(tmp_path, lambda d: d.pop("regions")))


def _caller(agency: str, *roles: str) -> "Principal":
    from shared.identity import Principal, region_of_agency
    return Principal(sub="t", agency=agency, roles=frozenset(roles), region=region_of_agency(agency))


def test_an_agency_serves_its_region_and_below_and_a_lead_office_oversees_them(registry):
    from shared.identity import oversees, regions_overseen, serves
    city, district, other_city = _caller("440100-amr", "officer"), _caller("440105-amr", "officer"), \
        _caller("330100-amr", "officer", "lead")
    assert serves(city, "440105", registry) and serves(district, "440105", registry)
    assert not serves(district, "440100", registry) and not serves(district, "440106", registry)
    assert not serves(other_city, "440105", registry) and not serves(city, "999999", registry)
    assert not oversees(city, "440105", registry)  # serving is not overseeing: that takes the lead role
    assert oversees(_caller("440100-amr", "lead"), "440105", registry)
    assert set(regions_overseen(other_city, registry)) == {"330100", "330106"}
    assert regions_overseen(city, registry) == [] and regions_overseen(_caller("999999-amr", "lead"), registry) == []
