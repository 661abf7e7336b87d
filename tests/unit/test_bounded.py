"""The shared bound on stored free-form JSON: keys, items, strings, depth and size, each refused by name."""
from typing import Annotated

import pytest
from pydantic import BaseModel, ValidationError

from shared.bounded import bounded


class Form(BaseModel):
    filters: Annotated[dict[str, str | list[str]], bounded(keys=3, items=4, chars=10, depth=2, size=120)] = {}
    names: Annotated[list[str], bounded(items=5, chars=8, depth=1)] = []
    anything: Annotated[dict, bounded(depth=3)] = {}


@pytest.mark.parametrize(("body", "message"), [
    ({"filters": {f"k{i}": "v" for i in range(100_000)}}, "filters: more than 3 keys (100000)"),
    ({"filters": {"a": ["x"] * 5}}, "filters.a: more than 4 items (5)"),
    ({"filters": {"a": "x" * 11}}, "filters.a: a string longer than 10 characters"),
    ({"filters": {"k" * 11: "v"}}, f"filters.{'k' * 11}: a string longer than 10 characters"),
    ({"filters": {"a": ["中文字符串十个字符"] * 4, "b": ["中文字符串十个字符"] * 4}}, "filters: larger than 120 bytes as JSON"),
    ({"names": ["n"] * 6}, "names: more than 5 items (6)"),
    ({"names": ["ok", "n" * 9]}, "names.1: a string longer than 8 characters"),
    ({"names": [["nested"]]}, "names.0: nested deeper than 1 levels"),
    ({"anything": {"a": {"b": {"c": {"d": 1}}}}}, "anything.a.b.c: nested deeper than 3 levels"),
])
def test_what_exceeds_a_bound_is_refused_with_where(body, message):
    with pytest.raises(ValidationError) as refused:
        Form.model_validate(body)
    (error,) = refused.value.errors()
    assert (error["type"], error["msg"], error["loc"][0]) == ("json_too_large", message, next(iter(body)))


def test_what_fits_passes_unchanged_and_other_faults_are_the_type_checks():
    form = Form.model_validate({"filters": {"a": ["x"] * 4, "b": "y"}, "names": ["n"] * 5,
                                "anything": {"a": {"b": [1, 2.5, None, True]}}})
    assert form.filters == {"a": ["x"] * 4, "b": "y"} and form.names == ["n"] * 5
    with pytest.raises(ValidationError) as refused:
        Form.model_validate({"filters": {"a": 5}})
    assert {e["type"] for e in refused.value.errors()} <= {"string_type", "list_type"}
