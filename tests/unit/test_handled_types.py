"""The drills list what each service handles by building its handlers without a runtime (harness/reconcile.py):
a handler factory may close over the runtime, but must not read it until an event comes."""
import pytest

from harness.reconcile import handled_types


@pytest.mark.parametrize("service, handles", [
    ("complaints", {"case.filed", "clue.verified", "case.closed"}),
    ("cases", {"complaint.escalated"}),
    ("credit", {"case.closed"}),
    ("notify", {"complaint.accepted", "case.filed"}),
])
def test_handler_factories_build_without_a_runtime(service, handles):
    assert handles <= handled_types(service)
