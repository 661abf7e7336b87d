"""The joint sanctions catalogue (sanctions.yaml): each measure, who executes it and on what basis."""
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Measure:
    code: str
    name_zh: str
    function: str  # the registry function of the executing agency
    basis: str


def load_catalogue(path: Path) -> dict[str, Measure]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {m["code"]: Measure(**m) for m in data["measures"]}
