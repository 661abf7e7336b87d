"""The credit rules and the sanctions catalogue, read from their YAML files once per path; the domain gets them
as objects."""
from functools import lru_cache
from pathlib import Path

import yaml

from .domain.rules import CreditRules
from .domain.sanctions import Measure

HERE = Path(__file__).parent
RULES_PATH, CATALOGUE_PATH = HERE / "rules.yaml", HERE / "sanctions.yaml"


def _read(path: Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_PATH) -> CreditRules:
    return CreditRules.from_data(_read(path))


@lru_cache(maxsize=4)
def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, Measure]:
    """Measure code → measure, in the file's order."""
    return {m["code"]: Measure(**m) for m in _read(path)["measures"]}
