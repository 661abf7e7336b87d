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
