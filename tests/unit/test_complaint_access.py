"""Who reads a complaint, and whether they see personal data (pure rule)."""
import pytest

from services.complaints.domain.access import Access, read_access
from shared.identity import Principal
from shared.registry import Registry

REGISTRY = Registry.load()


def access(agency, *roles, intake="440100-12345", region=None):
    principal = Principal(sub="t", agency=agency, roles=frozenset(roles), region=region or agency.split("-")[0])
    return read_access(principal, handling_agencies={"440105-amr", "440100-cac"}, subject_region="440105",
                       intake_agency=intake, registry=REGISTRY)


@pytest.mark.parametrize("agency,roles,expected", [
    ("440105-amr", ("officer",), Access.FULL),
    ("440100-cac", ("officer",), Access.FULL),
    ("440100-amr", ("lead",), Access.MASKED),  # lead office of the city above
    ("440000-amr", ("lead",), Access.MASKED),  # province lead sees the regions below
    ("440106-amr", ("lead",), Access.NONE),  # a sibling district is not above Haizhu
    ("330100-amr", ("lead",), Access.NONE),
    ("440100-12345", ("intake",), Access.MASKED),
    ("440100-12315", ("intake",), Access.NONE),
    ("440100-psb", ("officer",), Access.NONE),
    ("440105-amr", ("intake",), Access.NONE),  # the right agency, but not as an officer
])
def test_read_access(agency, roles, expected):
    assert access(agency, *roles) is expected
