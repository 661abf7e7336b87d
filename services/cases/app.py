"""The cases service app."""
from shared.app import ServiceDefinition, create_service_app
from shared.events import topics

from . import consumers
from .settings import CasesSettings
from .tables import messaging

DEFINITION = ServiceDefinition(
    name="cases",
    title="jointsup cases",
    description="Clues, cases, referrals, assistance, joint action and decisions across agencies.",
    tables=messaging,
    routers=[],
    consumes=[topics.COMPLAINTS, topics.CREDIT],
    handlers=consumers.handlers,
)


def create_app(settings: CasesSettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or CasesSettings())
