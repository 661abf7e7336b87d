"""Where a request carries NUL, so the 422 names the field."""
import pytest

from shared.nul_guard import nul_field

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("path,query,content_type,body,field", [
    ("/v1/cases/a\x00b", b"", "", b"", "path"),
    ("/v1/cases", b"status=open&agency=440105%00amr", "", b"", "agency"),
    ("/v1/cases", b"", JSON, b'{"subject": {"name": "x\\u0000"}}', "subject.name"),
    ("/v1/cases", b"", JSON, b'{"items": ["ok", "bad\\u0000"]}', "items.1"),
    ("/v1/cases", b"", FORM, b"description=%E5%9D%8F%00", "description"),
])
def test_nul_is_found_and_named(path, query, content_type, body, field):
    assert nul_field(path, query, content_type, body) == field


@pytest.mark.parametrize("content_type,body", [
    (JSON, b'{"note": "a literal \\\\u0000 is six characters, not NUL"}'),
    (JSON, b'{"cut off": "\\u0000'),  # malformed: the app's own 400 answers it
    ("multipart/form-data; boundary=x", b"\x00binary attachment"),
])
def test_clean_or_unchecked_input_passes(content_type, body):
    assert nul_field("/v1/x", b"page=1", content_type, body) is None
