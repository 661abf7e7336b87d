"""What notify adds to the shared runtime: its deliverer, made when the service starts."""
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.runtime import ServiceRuntime

from .settings import NotifySettings

if TYPE_CHECKING:
    from .deliverer import Deliverer


@dataclass(frozen=True)
class NotifyExtensions:
    deliverer: "Deliverer"


NotifyRuntime = ServiceRuntime[NotifySettings, NotifyExtensions]


def deliverer_of(runtime: NotifyRuntime) -> "Deliverer | None":
    """The deliverer, or None where the service runs without one (a runtime built for a benchmark)."""
    return runtime.extensions.deliverer if runtime.extensions is not None else None
