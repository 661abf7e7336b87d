"""Events of the notify service (topic jointsup.notify)."""
from .common import Payload


class NotificationDelivered(Payload):
    delivery_id: str
    event_id: str
    event_type: str
    recipient: str
    channel: str


class NotificationDeadLettered(NotificationDelivered):
    error: str
    attempts: int
