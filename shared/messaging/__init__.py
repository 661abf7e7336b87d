"""Outbox, relay, consumer runtime and dead letters: the event spine every service stands on."""
from .consumer import EventConsumer
from .poll import Handler
from .outbox import Outbox
from .relay import OutboxRelay
from .tables import MessagingTables, define_messaging_tables

__all__ = ["EventConsumer", "Handler", "MessagingTables", "Outbox", "OutboxRelay", "define_messaging_tables"]
