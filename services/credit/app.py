"""The credit service app."""
from shared.app import ServiceDefinition, create_service_app
from shared.events import topics

from . import consumers
from .api import public_router, router
from .settings import CreditSettings
from .sweeper import sweep
from .tables import messaging

DEFINITION = ServiceDefinition(
    name="credit",
    title="jointsup credit",
    description="Credit records, explainable risk tiers, the serious dishonesty list, joint sanctions and repair.",
    tables=messaging,
    routers=[router, public_router],
    consumes=[topics.COMPLAINTS, topics.CASES],
    handlers=consumers.handlers,
    on_start=lambda runtime: runtime.every(runtime.settings.sweep_seconds, lambda: sweep(runtime), "sweeper"),
)


def create_app(settings: CreditSettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or CreditSettings())
