"""Events: CloudEvents envelope, topics, and the catalogue of typed payloads."""
from .catalogue import CATALOGUE, EventSpec, UnknownEventType, spec_for
from .envelope import CONTENT_TYPE, EncodedEvent, Event, InvalidEvent, decode, encode

__all__ = ["CATALOGUE", "CONTENT_TYPE", "EncodedEvent", "Event", "EventSpec", "InvalidEvent",
           "UnknownEventType", "decode", "encode", "spec_for"]
