"""The outbox and processed-event tables, defined onto each service's own metadata."""
from dataclasses import dataclass

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, LargeBinary, MetaData, String, Table, Text

from shared.sqltypes import UtcDateTime

_ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements only INTEGER keys


@dataclass(frozen=True)
class MessagingTables:
    outbox: Table
    processed: Table


def define_messaging_tables(metadata: MetaData) -> MessagingTables:
    """Add `outbox_event` and `processed_event` to a service's metadata."""
    outbox = Table(
        "outbox_event", metadata,
        Column("seq", _ID, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(120), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=False),
        Column("value", LargeBinary, nullable=False),
        Column("headers", JSON, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime()),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text),
    )
    Index("ix_outbox_event_unpublished", outbox.c.seq,
          postgresql_where=outbox.c.published_at.is_(None), sqlite_where=outbox.c.published_at.is_(None))
    processed = Table(
        "processed_event", metadata,
        Column("consumer", String(100), primary_key=True),
        Column("event_id", String(64), primary_key=True),
        Column("event_type", String(120), nullable=False),
        Column("topic", String(200), nullable=False),
        Column("partition", Integer, nullable=False),
        Column("offset", BigInteger, nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    return MessagingTables(outbox, processed)
