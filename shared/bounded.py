"""Bounds on the free-form JSON callers may have stored (filters, draw inputs, lists of names): keys per object,
items per list, strings, depth and the size of the whole, checked before the value is validated further, so an
oversized one is refused with 422 on its field and never stored or served again."""
import json
from dataclasses import dataclass

from pydantic import BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError


@dataclass(frozen=True)
class JsonBounds:
    keys: int = 50  # per object
    items: int = 100  # per list
    chars: int = 500  # per string, keys included
    depth: int = 4  # objects and lists inside one another
    size: int = 16_384  # bytes of the compact JSON encoding (UTF-8)

    def __call__(self, value, info: ValidationInfo):
        """The value, unchanged, once it fits (the `BeforeValidator` hook)."""
        _Walk(self).fit(value, depth=1, path=info.field_name or "the value")
        return value


class _Walk:
    def __init__(self, bounds: JsonBounds):
        self.bounds, self.size = bounds, 0

    def fit(self, value, *, depth: int, path: str) -> None:
        b = self.bounds
        if isinstance(value, dict | list):
            if depth > b.depth:
                self._refuse(path, f"nested deeper than {b.depth} levels")
            entries = value.items() if isinstance(value, dict) else enumerate(value)
            count, most = len(value), b.keys if isinstance(value, dict) else b.items
            if count > most:
                self._refuse(path, f"more than {most} {'keys' if isinstance(value, dict) else 'items'} ({count})")
            self._add(2 + max(count - 1, 0), path)  # brackets and commas
            for key, item in entries:
                inner = f"{path}.{key}"
                if isinstance(value, dict):
                    self._scalar(key, inner)
                    self._add(1, path)  # the colon
                self.fit(item, depth=depth + 1, path=inner)
        else:
            self._scalar(value, path)

    def _scalar(self, value, path: str) -> None:
        if isinstance(value, str) and len(value) > self.bounds.chars:
            self._refuse(path, f"a string longer than {self.bounds.chars} characters")
        try:
            encoded = json.dumps(value, ensure_ascii=False).encode()
        except (TypeError, ValueError):
            return  # not JSON: the type validation that follows refuses it
        self._add(len(encoded), path)

    def _add(self, count: int, path: str) -> None:
        self.size += count
        if self.size > self.bounds.size:
            self._refuse(path.split(".")[0], f"larger than {self.bounds.size} bytes as JSON")

    @staticmethod
    def _refuse(path: str, why: str):
        raise PydanticCustomError("json_too_large", "{path}: {why}", {"path": path, "why": why})


def bounded(**limits) -> BeforeValidator:
    """Annotate a stored free-form field: `Annotated[dict[str, list[str]], bounded(keys=20, items=50)]`."""
    return BeforeValidator(JsonBounds(**limits))
