"""1+N routing of a complaint, and the agency it is handed over from when the subject sits in another city."""
from shared.identity.principal import region_of_agency
from shared.errors import InvalidInput
from shared.registry import Registry, RegistryError, Routing, UnknownCategory


def route(registry: Registry, category: str, region: str) -> Routing:
    """The lead and co-handling agencies; 422 naming the field when the category or region is not served."""
    try:
        registry.category(category)
    except UnknownCategory:
        raise InvalidInput(f"unknown category {category!r}; see GET /open311/v2/services.json",
                           field="category") from None
    try:
        return registry.route(category, region)
    except RegistryError as exc:
        raise InvalidInput(f"the subject's region is outside every region served: {exc}",
                           field="subject.region") from None


def handed_over_from(registry: Registry, intake_agency: str | None, category: str, region: str) -> str | None:
    """The agency that would have handled it in the intake's city, when the subject's city is another one."""
    intake_region = region_of_agency(intake_agency)
    if intake_region is None:
        return None
    try:
        intake_city, subject_city = registry.city_of(intake_region), registry.city_of(region)
        if intake_city is None or subject_city is None or intake_city == subject_city:
            return None
        return registry.route(category, intake_city).lead
    except RegistryError:
        return None
