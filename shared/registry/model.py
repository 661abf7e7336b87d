"""The agency registry: regions, agencies, joint meetings, platforms and the category matrix, with routing."""
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel

DEFAULT_PATH = Path(__file__).parent / "default.yaml"
Level = Literal["province", "city", "district"]


class RegistryError(ValueError):
    """The registry cannot answer, or its data is inconsistent."""


class UnknownRegion(RegistryError): ...
class UnknownCategory(RegistryError): ...
class UnknownAgency(RegistryError): ...
class UnknownPlatform(RegistryError): ...
class UnservedRegion(RegistryError): ...


class Region(BaseModel):
    code: str
    name_zh: str
    name_en: str
    level: Level
    parent: str | None = None


class Function(BaseModel):
    code: str
    name_zh: str
    name_en: str
    levels: list[Level]


class Agency(BaseModel):
    code: str
    name_zh: str
    name_en: str
    region: str
    function: str  # a Function code, or "intake" for hotline centres


class JointMeeting(BaseModel):
    """A city's joint meeting (联席会议): the convener is the "1" and its lead office, members the "N"."""

    region: str
    name_zh: str
    name_en: str
    convener: str
    members: list[str]


class Platform(BaseModel):
    code: str
    name_zh: str
    name_en: str
    region: str | None = None


class Category(BaseModel):
    code: str
    name_zh: str
    name_en: str
    lead: str  # function leading the handling
    co: list[str] = []  # co-handling functions


class Routing(BaseModel):
    lead: str
    co_agencies: list[str]


class RegistryData(BaseModel):
    regions: list[Region]
    functions: list[Function]
    agencies: list[Agency]
    joint_meetings: list[JointMeeting]
    platforms: list[Platform]
    categories: list[Category]


class Registry:
    """Read-only queries over the registry data."""

    def __init__(self, data: RegistryData):
        self.data = data
        self.regions = {r.code: r for r in data.regions}
        self.functions = {f.code: f for f in data.functions}
        self.agencies = {a.code: a for a in data.agencies}
        self.meetings = {m.region: m for m in data.joint_meetings}
        self.platforms = {p.code: p for p in data.platforms}
        self.categories = {c.code: c for c in data.categories}
        self._by_region_function = {(a.region, a.function): a.code for a in data.agencies}
        _check_integrity(self)

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Registry":
        """The packaged default, or the YAML file at `path`."""
        path = Path(path) if path else DEFAULT_PATH
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            return cls(RegistryData.model_validate(raw))
        except (OSError, yaml.YAMLError, ValueError) as exc:
            if isinstance(exc, RegistryError):
                raise
            raise RegistryError(f"cannot load registry {path}: {exc}") from exc

    def region(self, code: str) -> Region:
        try:
            return self.regions[code]
        except KeyError:
            raise UnknownRegion(f"region {code!r} is not in the registry (known: {', '.join(self.regions)})") from None

    def region_chain(self, code: str) -> list[str]:
        """The region, its parent, ... up to its province."""
        chain = [self.region(code).code]
        while (parent := self.regions[chain[-1]].parent) is not None:
            chain.append(parent)
        return chain

    def is_within(self, region: str, ancestor: str) -> bool:
        return region in self.regions and ancestor in self.region_chain(region)

    def regions_below(self, code: str) -> list[str]:
        """The region and all its descendants."""
        self.region(code)
        return [r for r in self.regions if code in self.region_chain(r)]

    def city_of(self, region: str) -> str | None:
        return next((r for r in self.region_chain(region) if self.regions[r].level == "city"), None)

    def agency(self, code: str) -> Agency:
        try:
            return self.agencies[code]
        except KeyError:
            raise UnknownAgency(f"agency {code!r} is not in the registry") from None

    def agency_region(self, code: str) -> str:
        return self.agency(code).region

    def agencies_in(self, region: str, function: str | None = None) -> list[Agency]:
        return [a for a in self.agencies.values() if a.region == region and function in (None, a.function)]

    def category(self, code: str) -> Category:
        try:
            return self.categories[code]
        except KeyError:
            raise UnknownCategory(f"category {code!r} is unknown (known: {', '.join(self.categories)})") from None

    def platform(self, code: str) -> Platform:
        try:
            return self.platforms[code]
        except KeyError:
            raise UnknownPlatform(f"platform {code!r} is not in the registry") from None

    def agency_for(self, function: str, region: str) -> str:
        """The agency of `function` at the lowest level at or above `region`."""
        for code in self.region_chain(region):
            if (agency := self._by_region_function.get((code, function))) is not None:
                return agency
        raise UnservedRegion(f"no {function!r} agency serves region {region!r} or any region above it")

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
        city = self.city_of(region)
        return self.meetings.get(city) if city else None

    def lead_office_for(self, region: str) -> str | None:
        """The convener of the region's joint meeting, whose officers hold the `lead` role."""
        meeting = self.joint_meeting_for(region)
        return meeting.convener if meeting else None


def _check_integrity(registry: Registry) -> None:
    problems = []
    for r in registry.regions.values():
        if r.parent is not None and r.parent not in registry.regions:
            problems.append(f"region {r.code} has unknown parent {r.parent}")
    for a in registry.agencies.values():
        region = registry.regions.get(a.region)
        if region is None:
            problems.append(f"agency {a.code} is in unknown region {a.region}")
        elif a.function != "intake":
            function = registry.functions.get(a.function)
            if function is None:
                problems.append(f"agency {a.code} has unknown function {a.function}")
            elif region.level not in function.levels:
                problems.append(f"agency {a.code}: function {a.function} does not exist at {region.level} level")
    for m in registry.meetings.values():
        for code in [m.convener, *m.members]:
            if code not in registry.agencies:
                problems.append(f"joint meeting {m.region} names unknown agency {code}")
    for c in registry.categories.values():
        for f in [c.lead, *c.co]:
            if f not in registry.functions:
                problems.append(f"category {c.code} names unknown function {f}")
    if problems:
        raise RegistryError("registry is inconsistent: " + "; ".join(problems))
