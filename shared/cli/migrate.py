"""`python -m shared.cli.migrate SERVICE [SERVICE ...]`: bring each service's database to the newest schema.

The image runs this as a Kubernetes Job or compose one-shot before the services start (with
JOINTSUP_MIGRATE_ON_START=false), so replicas never race to migrate."""
import asyncio
import importlib
import sys

from shared.db import migrate_when_reachable
from shared.events.topics import SERVICES


async def main(names: list[str]) -> None:
    for name in names:
        settings = importlib.import_module(f"services.{name}.settings")
        cls = next(v for k, v in vars(settings).items() if k.endswith("Settings") and k != "ServiceSettings")
        service = cls()
        await migrate_when_reachable(service.resolved_database_url(), name,
                                     wait_seconds=service.database_start_wait_seconds)
        print(f"{name}: migrated", flush=True)


if __name__ == "__main__":
    wanted = sys.argv[1:] or list(SERVICES)
    unknown = set(wanted) - set(SERVICES)
    if unknown:
        sys.exit(f"unknown service(s): {', '.join(sorted(unknown))}; one of {', '.join(SERVICES)}")
    asyncio.run(main(wanted))
