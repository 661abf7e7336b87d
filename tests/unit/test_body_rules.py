"""What a request may carry: one Content-Type, shallow UTF-8 JSON, no NUL; each refusal names what is wrong."""
import pytest

from shared.body_rules import MAX_DEPTH, check_body, check_path_and_query, nul_in_json, parse_json, single_content_type
from shared.errors import DomainError

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def headers(content_type: str) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", content_type.encode())]


@pytest.mark.parametrize("path,query,field", [
    ("/v1/cases/a\x00b", b"", "path"),
    ("/v1/cases", b"status=open&agency=440105%00amr", "agency"),
])
def test_nul_in_the_path_or_query_is_named(path, query, field):
    with pytest.raises(DomainError) as refused:
        check_path_and_query(path, query)
    assert refused.value.status == 422 and refused.value.extra["errors"][0]["field"] == field


@pytest.mark.parametrize("content_type,body,field", [
    (JSON, b'{"subject": {"name": "x\\u0000"}}', "subject.name"),
    (JSON, b'{"items": ["ok", "bad\\u0000"]}', "items.1"),
    ("application/merge-patch+json", b'{"k\\u0000": 1}', "k"),
    (FORM, b"description=%E5%9D%8F%00", "description"),
    ("multipart/form-data; boundary=b",
     b'--b\r\nContent-Disposition: form-data; name="description"\r\n\r\nx\x00y\r\n--b--\r\n', "description"),
])
async def test_nul_in_a_body_is_found_and_named(content_type, body, field):
    with pytest.raises(DomainError) as refused:
        await check_body(headers(content_type), content_type, body)
    assert refused.value.status == 422 and refused.value.extra["errors"][0]["field"] == field


@pytest.mark.parametrize("content_type,body", [
    (JSON, b'{"note": "a literal \\\\u0000 is six characters, not NUL"}'),
    ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
                                        b"Content-Type: application/octet-stream\r\n\r\n\x00binary\r\n--b--\r\n"),
    ("multipart/form-data; boundary=b", b"not multipart at all"),  # the app's own parser refuses it alike
    ("application/octet-stream", b"\x00anything"),  # no route reads it as text
    (JSON, b""),
])
async def test_clean_or_unchecked_input_passes(content_type, body):
    await check_body(headers(content_type), content_type, body)


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000,  # the parser's own bound
                                  b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1)])
def test_deep_json_is_refused_without_recursion(body):
    with pytest.raises(DomainError) as refused:
        nul_in_json(parse_json(body))
    assert (refused.value.status, refused.value.slug) == (400, "too-deep")


def test_json_at_the_depth_limit_passes():
    assert nul_in_json(parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)) is None


@pytest.mark.parametrize("body", [b'{"a": ', '{"a": "x"}'.encode("utf-16"), b'{"a": "\\ud800"}'])
def test_what_is_not_utf8_json_is_400(body):
    with pytest.raises(DomainError) as refused:
        parse_json(body)
    assert (refused.value.status, refused.value.slug) == (400, "malformed-json")


def test_two_content_types_are_refused_one_is_read():
    assert single_content_type([(b"content-type", b"application/json")]) == "application/json"
    assert single_content_type([]) == ""
    with pytest.raises(DomainError) as refused:
        single_content_type([(b"content-type", b"application/json"), (b"content-type", b"text/plain")])
    assert refused.value.status == 400
