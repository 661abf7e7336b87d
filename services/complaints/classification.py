"""Loads the keyword rules shipped with the service (or from COMPLAINTS_CLASSIFICATION_PATH)."""
from functools import lru_cache
from pathlib import Path

import yaml

from .domain.classify import KeywordRules

DEFAULT_PATH = Path(__file__).parent / "classification.yaml"


@lru_cache(maxsize=4)
def load_rules(path: Path | None = None) -> KeywordRules:
    """Read once per path; the rules are data."""
    return KeywordRules.from_data(yaml.safe_load((path or DEFAULT_PATH).read_text(encoding="utf-8")))
