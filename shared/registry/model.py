"""The agency registry: regions, agencies, joint meetings, platforms and the category matrix, with routing."""
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

DEFAULT_PATH = Path(__file__).parent / "default.yaml"
INTAKE = "intake"  # the function of 12345 / 12315 hotline centres: they receive, never handle
Level = Literal["province", "city", "district"]
_RANK = {"province": 0, "city": 1, "district": 2}


class RegistryError(ValueError):
    """The registry cannot answer, or its data is inconsistent."""


class UnknownRegion(RegistryError): ...
class UnknownCategory(RegistryError): ...
class UnknownAgency(RegistryError): ...
class UnknownPlatform(RegistryError): ...
class UnservedRegion(RegistryError): ...


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Region(_Frozen):
    code: str  # GB/T 2260
    name_zh: str
    name_en: str
    level: Level
    parent: str | None = None


class Function(_Frozen):
    code: str
    name_zh: str
    name_en: str
    levels: list[Level]


class Agency(_Frozen):
    code: str  # <region>-<function>, or <region>-<hotline number> for intake centres
    name_zh: str
    name_en: str
    region: str
    function: str  # a Function code, or INTAKE


class JointMeeting(_Frozen):
    """A city's joint meeting (联席会议): the convener is the "1" and its lead office, the members the "N"."""

    region: str
    name_zh: str
    name_en: str
    convener: str
    members: list[str]


class Platform(_Frozen):
    code: str
    name_zh: str
    name_en: str
    region: str | None = None


class Category(_Frozen):
    code: str
    name_zh: str
    name_en: str
    lead: str  # the function leading the handling
    co: list[str] = []  # co-handling functions


class Routing(_Frozen):
    lead: str
    co_agencies: list[str]


class RegistryData(_Frozen):
    regions: list[Region]
    functions: list[Function]
    agencies: list[Agency]
    joint_meetings: list[JointMeeting]
    platforms: list[Platform]
    categories: list[Category]


def _lookup(table: dict, code: str, error: type[RegistryError], what: str):
    if code not in table:
        raise error(f"{what} {code!r} is not in the registry (known: {', '.join(table) or 'none'})")
    return table[code]


class Registry:
    """Read-only queries over validated registry data."""

    def __init__(self, data: RegistryData):
        _check_integrity(data)
        self.data = data
        self.regions = {r.code: r for r in data.regions}
        self.functions = {f.code: f for f in data.functions}
        self.agencies = {a.code: a for a in data.agencies}
        self.meetings = {m.region: m for m in data.joint_meetings}
        self.platforms = {p.code: p for p in data.platforms}
        self.categories = {c.code: c for c in data.categories}
        self._by_region_function = {(a.region, a.function): a.code for a in data.agencies}

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Registry":
        """The packaged default, or the YAML file at `path`."""
        path = Path(path) if path else DEFAULT_PATH
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(RegistryData.model_validate(raw))
        except RegistryError:
            raise
        except (OSError, yaml.YAMLError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise RegistryError(f"cannot load registry {path}: {exc}") from exc

    def region(self, code: str) -> Region:
        """The region with this GB/T 2260 code."""
        return _lookup(self.regions, code, UnknownRegion, "region")

    def region_chain(self, code: str) -> list[str]:
        """The region, its parent, ... up to its province."""
        chain = [self.region(code).code]
        while (parent := self.regions[chain[-1]].parent) is not None:
            chain.append(parent)
        return chain

    def is_within(self, region: str, ancestor: str) -> bool:
        """True when `region` is `ancestor` or lies below it; False for an unknown region."""
        return region in self.regions and ancestor in self.region_chain(region)

    def regions_below(self, code: str) -> list[str]:
        """The region and all its descendants."""
        self.region(code)
        return [r for r in self.regions if code in self.region_chain(r)]

    def city_of(self, region: str) -> str | None:
        """The city-level region containing `region` (itself if a city); None for a province."""
        return next((r for r in self.region_chain(region) if self.regions[r].level == "city"), None)

    def agency(self, code: str) -> Agency:
        """The agency with this code."""
        return _lookup(self.agencies, code, UnknownAgency, "agency")

    def agency_region(self, code: str) -> str:
        """The region an agency belongs to."""
        return self.agency(code).region

    def agencies_in(self, region: str, function: str | None = None) -> list[Agency]:
        """The agencies seated in exactly this region, optionally of one function."""
        self.region(region)
        return [a for a in self.agencies.values() if a.region == region and function in (None, a.function)]

    def category(self, code: str) -> Category:
        """The category with this code."""
        return _lookup(self.categories, code, UnknownCategory, "category")

    def platform(self, code: str) -> Platform:
        """The platform with this code."""
        return _lookup(self.platforms, code, UnknownPlatform, "platform")

    def agency_for(self, function: str, region: str) -> str:
        """The agency of `function` at the lowest level at or above `region`."""
        chain = self.region_chain(region)
        for code in chain:
            if (agency := self._by_region_function.get((code, function))) is not None:
                return agency
        raise UnservedRegion(f"no {function!r} agency serves region {region!r} (searched {' > '.join(chain)})")

    def route(self, category: str, region: str) -> Routing:
        """1+N: the lead agency and the co-handling agencies for a category and the subject's region."""
        cat = self.category(category)
        lead = self.agency_for(cat.lead, region)
        co: list[str] = []
        for function in cat.co:
            agency = self.agency_for(function, region)
            if agency != lead and agency not in co:
                co.append(agency)
        return Routing(lead=lead, co_agencies=co)

    def joint_meeting_for(self, region: str) -> JointMeeting | None:
        """The joint meeting of the region's city, if it has one."""
        city = self.city_of(region)
        return self.meetings.get(city) if city else None

    def lead_office_for(self, region: str) -> str | None:
        """The convener of the region's joint meeting, whose officers hold the `lead` role."""
        meeting = self.joint_meeting_for(region)
        return meeting.convener if meeting else None


def _duplicates(kind: str, codes: list[str]) -> list[str]:
    return [f"duplicate {kind} {c}" for c in sorted({c for c in codes if codes.count(c) > 1})]


def _check_integrity(data: RegistryData) -> None:
    regions = {r.code: r for r in data.regions}
    functions = {f.code: f for f in data.functions}
    agencies = {a.code for a in data.agencies}
    problems = [p for kind, items in [("region", data.regions), ("function", data.functions), ("agency", data.agencies),
                                      ("platform", data.platforms), ("category", data.categories)]
                for p in _duplicates(kind, [i.code for i in items])]
    problems += _duplicates("joint meeting for region", [m.region for m in data.joint_meetings])
    for r in data.regions:
        parent = regions.get(r.parent) if r.parent else None
        if r.parent is None and r.level != "province":
            problems.append(f"region {r.code} ({r.level}) has no parent")
        elif r.parent is not None and parent is None:
            problems.append(f"region {r.code} has unknown parent {r.parent}")
        elif parent is not None and _RANK[parent.level] >= _RANK[r.level]:  # also rules out cycles
            problems.append(f"region {r.code} ({r.level}) cannot sit under {parent.code} ({parent.level})")
    for a in data.agencies:
        region, function = regions.get(a.region), functions.get(a.function)
        if region is None:
            problems.append(f"agency {a.code} is in unknown region {a.region}")
        if not a.code.startswith(f"{a.region}-"):
            problems.append(f"agency {a.code} does not start with its region {a.region}")
        if a.function != INTAKE and function is None:
            problems.append(f"agency {a.code} has unknown function {a.function}")
        elif region is not None and function is not None and region.level not in function.levels:
            problems.append(f"agency {a.code}: function {a.function} does not exist at {region.level} level")
    for m in data.joint_meetings:
        if m.region not in regions:
            problems.append(f"joint meeting names unknown region {m.region}")
        problems += [f"joint meeting {m.region} names unknown agency {c}"
                     for c in [m.convener, *m.members] if c not in agencies]
    problems += [f"platform {p.code} is in unknown region {p.region}"
                 for p in data.platforms if p.region is not None and p.region not in regions]
    problems += [f"category {c.code} names unknown function {f}"
                 for c in data.categories for f in [c.lead, *c.co] if f not in functions]
    if problems:
        raise RegistryError("registry is inconsistent: " + "; ".join(problems))
