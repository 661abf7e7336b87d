"""Log lines are JSON and carry the current trace id."""
import json
import logging

from opentelemetry import trace

from shared.telemetry import JsonFormatter


def test_log_line_carries_trace_and_span_ids():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    with trace.get_tracer("test").start_as_current_span("op") as span:
        line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world" and line["level"] == "INFO"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["span_id"] == format(span.get_span_context().span_id, "016x")


def test_log_line_outside_a_span_has_no_trace_id():
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "plain", (), None)
    assert "trace_id" not in json.loads(JsonFormatter().format(record))
