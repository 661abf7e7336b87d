"""The fault drills in short form (make drills runs them at full length): real service processes on
PostgreSQL, a load of complaints, a fault, and a reconciliation with nothing lost or doubled."""
import pytest

from drills.run import broker_frozen, consumer_killed


def _clean(result: dict) -> None:
    for where, counts in result.items():
        if isinstance(counts, dict):
            assert (counts["delivered"], counts["duplicated"], counts["lost"]) == (result["expected"], 0, 0), where
    assert result["dead letters"] == 0


@pytest.fixture
def postgres_pass(backend):
    if backend != "postgres":
        pytest.skip("the drills run real processes on PostgreSQL: they run in the PostgreSQL pass")


async def test_broker_frozen_mid_load_loses_and_doubles_nothing(postgres_pass):
    _clean(await broker_frozen(20, 3))


async def test_consumer_killed_mid_load_loses_and_doubles_nothing(postgres_pass):
    _clean(await consumer_killed(20))
