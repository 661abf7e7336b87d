"""When `make run` starts a process again that died."""
from shared.cli.devstack import GIVE_UP_AFTER, restart_delay


def test_a_process_that_had_been_healthy_is_started_again_at_once():
    assert restart_delay(0) == 0


def test_one_that_keeps_dying_at_start_up_waits_longer_each_time_then_is_given_up():
    assert [restart_delay(n) for n in range(1, GIVE_UP_AFTER)] == [1, 2, 4, 8]
    assert restart_delay(GIVE_UP_AFTER) is None
