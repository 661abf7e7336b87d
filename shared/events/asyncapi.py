"""The AsyncAPI 3.0 document of every topic and event type, generated from the shared catalogue.

    python -m shared.events.asyncapi > docs/asyncapi.yaml     (make contracts)
"""
import sys
from typing import Any

import yaml

from . import topics
from .catalogue import CATALOGUE
from .envelope import CONTENT_TYPE, TYPE_PREFIX

_HEADERS = {"type": "object", "properties": {
    "content-type": {"type": "string", "const": CONTENT_TYPE},
    "traceparent": {"type": "string", "description": "W3C trace context of the producing request"}}}


def _hoist(schema: dict, schemas: dict) -> dict:
    """Move pydantic's $defs into components.schemas and point the references there."""
    for name, definition in schema.pop("$defs", {}).items():
        schemas[name] = _rewrite(definition)
    return _rewrite(schema)


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v.replace("#/$defs/", "#/components/schemas/") if k == "$ref" else _rewrite(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _envelope(full_type: str, data_ref: str) -> dict:
    return {"type": "object", "required": ["specversion", "id", "source", "type", "time", "data"],
            "properties": {"specversion": {"type": "string", "const": "1.0"}, "id": {"type": "string"},
                           "source": {"type": "string"}, "type": {"type": "string", "const": full_type},
                           "subject": {"type": "string", "description": "the aggregate id, also the Kafka key"},
                           "time": {"type": "string", "format": "date-time"},
                           "datacontenttype": {"type": "string", "const": "application/json"},
                           "data": {"$ref": data_ref}}}


def document() -> dict:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in topics.ALL:
        name = topic.removeprefix("jointsup.")
        channels[name] = {"address": topic, "description": f"Events of the {name} service, keyed by aggregate id.",
                          "messages": {}}
    for short, spec in sorted(CATALOGUE.items()):
        model = spec.payload
        schemas[model.__name__] = _hoist(model.model_json_schema(ref_template="#/$defs/{model}"), schemas)
        messages[short] = {"name": TYPE_PREFIX + short, "title": short, "summary": spec.summary,
                           "contentType": CONTENT_TYPE, "headers": _HEADERS,
                           "payload": _envelope(TYPE_PREFIX + short, f"#/components/schemas/{model.__name__}")}
        channel = spec.topic.removeprefix("jointsup.")
        channels[channel]["messages"][short] = {"$ref": f"#/components/messages/{short}"}
    for channel, body in channels.items():
        operations[f"publish_{channel}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel}"},
            "summary": f"The {channel} service publishes through its transactional outbox.",
            "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in body["messages"]]}
    for service in topics.SERVICES:
        for kind, topic in (("dlq", topics.dlq_topic(service)), ("retry", topics.retry_topic(service))):
            channels[f"{kind}_{service}"] = {
                "address": topic, "messages": {},
                "description": ("Records " + service + " could not handle, with dlq-* headers." if kind == "dlq"
                                else "Dead letters replayed for " + service + " only (jointsup-dlq replay).")}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "jointsup events", "version": "1.0.0",
                 "description": "CloudEvents 1.0 in structured JSON mode; the Kafka key is the aggregate id. "
                                "Generated from shared/events/catalogue.py: do not edit by hand."},
        "defaultContentType": CONTENT_TYPE,
        "servers": {"embedded": {"host": "127.0.0.1:19092", "protocol": "kafka",
                                 "description": "make run (Tansu, memory-only)"},
                    "cluster": {"host": "kafka:9092", "protocol": "kafka", "description": "Apache Kafka"}},
        "channels": channels, "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render() -> str:
    return yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=120)


if __name__ == "__main__":
    sys.stdout.write(render())
