"""The complaints service app."""
from shared.app import ServiceDefinition, create_service_app

from .api import router
from .settings import ComplaintsSettings
from .tables import messaging

DEFINITION = ServiceDefinition(
    name="complaints",
    title="jointsup complaints",
    description="Intake from every channel, routing under 1+N, handling deadlines and the complainant's loop.",
    tables=messaging,
    routers=[router],
)


def create_app(settings: ComplaintsSettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or ComplaintsSettings())
