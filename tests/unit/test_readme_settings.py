"""The README's configuration table says the defaults the settings have: each number is defined once, in the code,
and the table is checked against it."""
import re
from pathlib import Path

from pydantic import AliasChoices

from services.cases.settings import CasesSettings
from services.complaints.settings import ComplaintsSettings
from services.credit.settings import CreditSettings
from services.notify.settings import NotifySettings

README = Path(__file__).parents[2] / "README.md"


def _defaults() -> dict[str, object]:
    """Each environment variable of every service's settings → its default."""
    found = {}
    for settings in (ComplaintsSettings, CasesSettings, CreditSettings, NotifySettings):
        for field in settings.model_fields.values():
            alias = field.validation_alias
            names = alias.choices if isinstance(alias, AliasChoices) else [alias] if alias else []
            for name in names:
                found[str(name)] = field.default
    return found


def _rows() -> list[tuple[list[str], list[str]]]:
    """(variables, defaults) of each table row whose defaults are as many plain numbers as it names variables."""
    rows = []
    for line in README.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0])
        values = [v.split(" ")[0] for v in cells[1].split(", ")]
        if names and len(names) == len(values) and all(re.fullmatch(r"[0-9.]+", v) for v in values):
            rows.append((names, values))
    return rows


def test_every_numeric_default_the_readme_states_is_the_settings_default():
    defaults, checked = _defaults(), 0
    for names, values in _rows():
        for name, value in zip(names, values):
            if name in defaults:
                assert float(value) == float(defaults[name]), f"README says {name}={value}, settings {defaults[name]}"
                checked += 1
    assert checked >= 30  # the table's numbers are really read
