"""Kafka topics of the contract."""
COMPLAINTS = "jointsup.complaints"
CASES = "jointsup.cases"
CREDIT = "jointsup.credit"
NOTIFY = "jointsup.notify"

ALL = (COMPLAINTS, CASES, CREDIT, NOTIFY)
SERVICES = ("complaints", "cases", "credit", "notify")


def dlq_topic(service: str) -> str:
    """Dead letters of the consuming service."""
    return f"jointsup.dlq.{service}"


def retry_topic(service: str) -> str:
    """Where replayed dead letters go: only the service that failed them reads it."""
    return f"jointsup.retry.{service}"


def used_by(service: str) -> list[str]:
    """The topics a service makes sure exist: the contract's, its dead letters and its retries."""
    return [*ALL, dlq_topic(service), retry_topic(service)]


def relay_marker_topic(service: str) -> str:
    """Holds no records: it exists while the broker holds everything the service's relay sent (a memory-only
    broker forgets it with the rest of its log when it restarts)."""
    return f"jointsup.relayed.{service}"
