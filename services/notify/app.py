"""The notify service app."""
from shared.app import ServiceDefinition, create_service_app
from shared.events import topics

from . import consumers
from .api import router
from .settings import NotifySettings
from .tables import messaging

DEFINITION = ServiceDefinition(
    name="notify",
    title="jointsup notify",
    description="Turns events into notifications for agencies, platforms, complainants and the lead office.",
    tables=messaging,
    routers=[router],
    consumes=[topics.COMPLAINTS, topics.CASES, topics.CREDIT],
    handlers=consumers.handlers,
)


def create_app(settings: NotifySettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or NotifySettings())
