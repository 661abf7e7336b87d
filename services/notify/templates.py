"""Messages from Jinja2 templates kept as files: templates/<language>/<event type>.j2, first line the title."""
from functools import lru_cache
from pathlib import Path

from jinja2 import ChainableUndefined, Environment, FileSystemLoader, TemplateNotFound

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "zh-CN"


@lru_cache(maxsize=1)
def _env() -> Environment:
    # The templates ship with the service: loaded once, not checked on disk at every message (auto_reload).
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=ChainableUndefined,
                      keep_trailing_newline=False, auto_reload=False)
    env.filters["short"] = lambda t: str(t).removeprefix("jointsup.")
    env.filters["day"] = lambda v: str(v)[:10] if v else ""
    return env


def render(name: str, language: str = DEFAULT_LANGUAGE, **context) -> tuple[str, str]:
    """(title, body) from the most specific template: the type, `overdue` for any *.overdue, the default."""
    candidates = [name, *(["overdue"] if name.endswith(".overdue") else []), "_default"]
    for lang in dict.fromkeys([language, DEFAULT_LANGUAGE]):
        for candidate in candidates:
            try:
                template = _env().get_template(f"{lang}/{candidate}.j2")
            except TemplateNotFound:
                continue
            title, _, body = template.render(**context).strip().partition("\n")
            return title.strip(), body.strip()
    raise LookupError(f"no template for {name}")
