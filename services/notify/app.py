"""The notify service app."""
from shared.app import ServiceDefinition, create_service_app
from shared.events import topics

from . import consumers
from .api import router
from .deliverer import Deliverer
from .digest import schedule_daily
from .metrics import deliveries
from .runtime import NotifyExtensions, NotifyRuntime
from .settings import NotifySettings
from .tables import messaging


def _start(runtime: NotifyRuntime) -> None:
    deliverer = Deliverer(runtime)
    runtime.extensions = NotifyExtensions(deliverer=deliverer)
    runtime.every(runtime.settings.deliver_poll_seconds, deliverer.poll, "deliverer", wake=deliverer.due)
    runtime.every(600, lambda: schedule_daily(runtime), "daily digest")
    runtime.on_stop(deliverer.close)
    runtime.readings.append(deliveries)


DEFINITION = ServiceDefinition(
    name="notify",
    title="jointsup notify",
    description="Turns events into notifications for agencies, platforms, complainants and the lead office.",
    tables=messaging,
    routers=[router],
    consumes=[topics.COMPLAINTS, topics.CASES, topics.CREDIT],
    handlers=consumers.handlers,
    on_start=_start,
)


def create_app(settings: NotifySettings | None = None):
    """Build the app (no I/O until its lifespan starts)."""
    return create_service_app(DEFINITION, settings or NotifySettings())
