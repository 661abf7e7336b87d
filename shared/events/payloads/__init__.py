"""Typed payloads (CloudEvent `data`) of every event type, one module per producing service."""
