"""The consumer runtime's AckPolicy: what happens to a record after each attempt, decided with no I/O."""
import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError

from shared.events import InvalidEvent, UnknownEventType
from shared.messaging.ack_policy import AckPolicy, Decision, Verdict
from shared.messaging.refusals import DeadLetter

POLICY = AckPolicy(max_attempts=3, backoff_seconds=0.5, database_wait_seconds=2.0)


class _Sqlstate(Exception):
    def __init__(self, sqlstate: str):
        self.sqlstate = sqlstate


def _database_error(sqlstate: str | None = None) -> OperationalError:
    return OperationalError("SELECT 1", {}, _Sqlstate(sqlstate) if sqlstate else ConnectionRefusedError("away"))


def _invalid_payload() -> ValidationError:
    class Payload(BaseModel):
        n: int
    with pytest.raises(ValidationError) as caught:
        Payload(n="not a number")
    return caught.value


def test_a_handled_record_is_committed():
    assert POLICY.after(None, attempt=1) == Decision(Verdict.COMMIT, 1)


def test_a_failure_with_attempts_left_is_retried_after_a_doubling_backoff():
    assert POLICY.after(RuntimeError("boom"), attempt=1) == Decision(Verdict.RETRY, 2, 0.5)
    assert POLICY.after(RuntimeError("boom"), attempt=2) == Decision(Verdict.RETRY, 3, 1.0)


def test_a_failure_on_the_last_attempt_is_dead_lettered():
    assert POLICY.after(RuntimeError("boom"), attempt=3) == Decision(Verdict.DEAD_LETTER, 3)


@pytest.mark.parametrize("error", [DeadLetter("refused: closed already"), InvalidEvent("cut off"),
                                   UnknownEventType("jointsup.nothing"), _invalid_payload()],
                         ids=["refused under DEAD_LETTER", "undecodable", "unknown type", "invalid payload"])
def test_what_cannot_succeed_on_a_retry_is_dead_lettered_at_once(error):
    assert POLICY.after(error, attempt=1) == Decision(Verdict.DEAD_LETTER, 1)


def test_the_database_away_is_waited_for_without_using_up_an_attempt():
    for attempt in (1, 3):
        assert POLICY.after(_database_error(), attempt=attempt) == Decision(Verdict.WAIT, attempt, 2.0)


@pytest.mark.parametrize("sqlstate", ["40P01", "40001", "55P03"])
def test_a_collision_with_another_transaction_is_retried_at_once_without_using_up_an_attempt(sqlstate):
    assert POLICY.after(_database_error(sqlstate), attempt=3) == Decision(Verdict.RETRY, 3, 0.0)


def test_records_sharing_a_transaction_commit_together_or_go_one_by_one_unless_the_database_is_away():
    assert POLICY.after_shared(None).verdict is Verdict.COMMIT
    assert POLICY.after_shared(_database_error()) == Decision(Verdict.WAIT, 1, 2.0)
    for error in (RuntimeError("boom"), DeadLetter("refused"), _database_error("40P01")):
        assert POLICY.after_shared(error).verdict is Verdict.ONE_BY_ONE
