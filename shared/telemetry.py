"""OpenTelemetry traces across HTTP and Kafka, and JSON logs that carry the trace id."""
import json
import logging
import os
import sys
from datetime import datetime, timezone

from opentelemetry import trace
from opentelemetry.instrumentation.aiokafka import AIOKafkaInstrumentor
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.propagators.textmap import Getter, Setter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

TRACE_HEADERS = ("traceparent", "tracestate")


class _HeaderGetter(Getter):
    def get(self, carrier, key):
        values = [v.decode() for k, v in carrier if k == key and v is not None]
        return values or None

    def keys(self, carrier):
        return [k for k, _ in carrier]


class _HeaderSetter(Setter):
    def set(self, carrier, key, value):
        carrier.append((key, value.encode()))


HEADER_GETTER, HEADER_SETTER = _HeaderGetter(), _HeaderSetter()


def setup_tracing(service_name: str) -> TracerProvider:
    """Install a tracer provider once per process; export over OTLP when an endpoint is configured."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": os.environ.get(
            "OTEL_SERVICE_NAME", f"jointsup-{service_name}")}))
        if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    if not HTTPXClientInstrumentor().is_instrumented_by_opentelemetry:
        HTTPXClientInstrumentor().instrument()
    if not kafka_instrumented():
        AIOKafkaInstrumentor().instrument()
    return provider


def kafka_instrumented() -> bool:
    """Whether aiokafka sends already inject `traceparent` themselves."""
    return AIOKafkaInstrumentor().is_instrumented_by_opentelemetry


def instrument_app(app) -> None:
    # One server span per request; the ASGI receive and send spans it would add cost more than they tell.
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"])


class JsonFormatter(logging.Formatter):
    """One JSON object per line with trace and span ids of the current span."""

    def format(self, record: logging.LogRecord) -> str:
        ctx = trace.get_current_span().get_span_context()
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": getattr(record, "service", None) or os.environ.get("JOINTSUP_SERVICE"),
        }
        if ctx.is_valid:
            entry["trace_id"] = format(ctx.trace_id, "032x")
            entry["span_id"] = format(ctx.span_id, "016x")
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps({k: v for k, v in entry.items() if v is not None}, ensure_ascii=False)


def setup_logging(level: str = "INFO") -> None:
    """JSON logs on stderr; idempotent."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
