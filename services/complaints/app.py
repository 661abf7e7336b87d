"""The complaints service app."""
from shared.app import ServiceDefinition, create_service_app
from shared.events import topics

from . import consumers
from .api import internal_router, public_router, router
from .open311 import router as open311_router
from .settings import ComplaintsSettings
from .sweeper import sweep_overdue
from .tables import messaging

DEFINITION = ServiceDefinition(
    name="complaints",
    title="jointsup complaints",
    description="Intake from every channel, routing under 1+N, handling deadlines and the complainant's loop.",
    tables=messaging,
    routers=[router, public_router, open311_router, internal_router],
    consumes=[topics.CASES],
    handlers=consumers.handlers,
    on_start=lambda runtime: runtime.every(runtime.settings.sweep_seconds, lambda: sweep_overdue(runtime),
                                           "overdue sweep"),
)


def create_app(settings: ComplaintsSettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or ComplaintsSettings())
