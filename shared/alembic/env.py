"""One Alembic environment for every service; the service's tables module gives the metadata."""
import importlib

from alembic import context
from sqlalchemy import engine_from_config, pool

config = context.config
service = config.attributes.get("service") or context.get_x_argument(as_dictionary=True)["service"]
target_metadata = importlib.import_module(f"services.{service}.tables").metadata


def run() -> None:
    connectable = config.attributes.get("connection")
    if connectable is None:
        connectable = engine_from_config(
            config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.", poolclass=pool.NullPool
        )
        with connectable.connect() as connection:
            _migrate(connection)
    else:
        _migrate(connectable)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
