"""The cases service app."""
from shared.app import ServiceDefinition, create_service_app
from shared.events import topics

from . import consumers
from .api import router
from .settings import CasesSettings
from .sweeper import sweep_overdue
from .tables import messaging

DEFINITION = ServiceDefinition(
    name="cases",
    title="jointsup cases",
    description="Clues, cases, referrals, assistance, joint action and decisions across agencies.",
    tables=messaging,
    routers=[router],
    consumes=[topics.COMPLAINTS, topics.CREDIT],
    handlers=consumers.handlers,
    on_start=lambda runtime: runtime.every(runtime.settings.sweep_seconds, lambda: sweep_overdue(runtime),
                                           "overdue sweep"),
)


def create_app(settings: CasesSettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or CasesSettings())
