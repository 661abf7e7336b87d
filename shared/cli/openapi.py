"""`python -m shared.cli.openapi [DIR]`: each service's OpenAPI document to DIR/<service>.json (make contracts)."""
import importlib
import json
import sys
from pathlib import Path

from shared.events.topics import SERVICES


def export(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SERVICES:
        app = importlib.import_module(f"services.{name}.app").create_app()  # no I/O before the lifespan
        path = directory / f"{name}.json"
        path.write_text(json.dumps(app.openapi(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in export(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi")):
        print(path)
