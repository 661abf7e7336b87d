"""Which agency each kind of referral may go to, and what a criminal transfer must carry (Decree 310 Art. 6)."""
from shared.registry import Registry, RegistryError

REQUIRED_CRIMINAL_DOCUMENTS = ("transfer_letter", "investigation_report", "seized_items_list",
                               "test_or_appraisal_reports")  # "other materials" are optional
TAKEDOWN_FUNCTIONS = ("ca", "cac")  # close a site / stop network access


def referral_problem(registry: Registry, kind: str, from_agency: str, to_agency: str) -> str | None:
    """Why `to_agency` cannot receive this kind of referral from `from_agency`; None when it can."""
    if to_agency == from_agency:
        return "a case cannot be referred to its own agency"
    try:
        sender, receiver = registry.agency(from_agency), registry.agency(to_agency)
        chain = registry.region_chain(sender.region)
        if kind == "criminal":
            police = registry.agency_for("psb", sender.region)
            return None if to_agency == police else f"suspected crimes go to the police at the same level: {police}"
        if kind == "takedown":
            return None if receiver.function in TAKEDOWN_FUNCTIONS else \
                "takedown requests go to the communications administration (ca) or cyberspace (cac)"
        if kind == "function":
            return None if receiver.function != sender.function else "a function referral goes to another function"
        if kind == "cross_region":
            return None if registry.city_of(receiver.region) != registry.city_of(sender.region) else \
                "a cross-region referral goes to another city's agency"
        if kind == "upward":
            return None if receiver.region in chain[1:] else "an upward referral goes to a level above"
        if kind == "downward":
            return None if sender.region in registry.region_chain(receiver.region)[1:] else \
                "a downward referral goes to a level below"
        return None  # jurisdiction: the competent agency, whichever it is
    except RegistryError as exc:
        return str(exc)


def missing_documents(kind: str, documents: list[str]) -> list[str]:
    if kind != "criminal":
        return []
    return [d for d in REQUIRED_CRIMINAL_DOCUMENTS if d not in documents]
