"""CloudEvents 1.0 structured JSON on Kafka: encode for the outbox, decode in consumers."""
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from cloudevents.core.bindings import kafka
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "jointsup."
_FORMAT = JSONFormat()


class InvalidEvent(ValueError):
    """A record that is not a CloudEvent this system can read."""


@dataclass(frozen=True)
class Event:
    """A decoded event: the CloudEvent attributes and its JSON data."""

    id: str
    type: str
    source: str
    subject: str | None
    time: datetime
    data: dict[str, Any]
    headers: dict[str, bytes] = field(default_factory=dict)

    @property
    def short_type(self) -> str:
        """The type without the `jointsup.` prefix, as the catalogue names it."""
        return self.type.removeprefix(TYPE_PREFIX)


@dataclass(frozen=True)
class EncodedEvent:
    """What the outbox stores and the relay sends."""

    id: str
    type: str
    key: str
    value: bytes
    headers: dict[str, bytes]


def encode(*, type: str, source: str, subject: str, data: dict[str, Any],
           event_id: str | None = None, time: datetime | None = None) -> EncodedEvent:
    """Build a structured-mode CloudEvent keyed by its aggregate id (the subject)."""
    full_type = type if type.startswith(TYPE_PREFIX) else TYPE_PREFIX + type
    event_id = event_id or str(uuid.uuid4())
    attributes = {
        "id": event_id,
        "source": source,
        "type": full_type,
        "subject": subject,
        "time": time or datetime.now(timezone.utc),
        "datacontenttype": "application/json",
    }
    message = kafka.to_structured(CloudEvent(attributes=attributes, data=data), _FORMAT)
    return EncodedEvent(event_id, full_type, subject, message.value, dict(message.headers))


def decode(value: bytes | None, headers: dict[str, bytes] | list[tuple[str, bytes]] | None = None) -> Event:
    """Parse a Kafka record's value; raise InvalidEvent for anything else."""
    headers = dict(headers or {})
    if not value:
        raise InvalidEvent("empty record value")
    try:
        ce = kafka.from_structured(kafka.KafkaMessage(headers=headers, key=None, value=value), _FORMAT)
    except Exception as exc:  # the library raises JSON, key and value errors alike
        raise InvalidEvent(f"not a structured CloudEvent: {exc}") from exc
    data = ce.get_data()
    if not isinstance(data, dict):
        raise InvalidEvent("CloudEvent data must be a JSON object")
    return Event(ce.get_id(), ce.get_type(), ce.get_source(), ce.get_subject(),
                 ce.get_time() or datetime.now(timezone.utc), data, headers)
