"""Each service's Alembic migrations build exactly the schema its table models describe."""
import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from shared.db import alembic_config


@pytest.mark.parametrize("service", ["complaints", "cases", "credit", "notify"])
def test_migrations_match_models(service, tmp_path):
    url = f"sqlite:///{tmp_path / service}.db"
    command.upgrade(alembic_config(url, service), "head")
    metadata = importlib.import_module(f"services.{service}.tables").metadata
    engine = create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    engine.dispose()
    assert diff == [], f"run `make migration SERVICE={service} MSG=...`: {diff}"
