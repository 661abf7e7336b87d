"""The credit service app."""
from shared.app import ServiceDefinition, create_service_app
from shared.events import topics

from . import consumers
from .settings import CreditSettings
from .tables import messaging

DEFINITION = ServiceDefinition(
    name="credit",
    title="jointsup credit",
    description="Credit records, explainable risk tiers, the serious dishonesty list, joint sanctions and repair.",
    tables=messaging,
    routers=[],
    consumes=[topics.COMPLAINTS, topics.CASES],
    handlers=consumers.handlers,
)


def create_app(settings: CreditSettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or CreditSettings())
