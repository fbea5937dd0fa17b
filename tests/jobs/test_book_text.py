"""Pure checks on URLs and bytes (no sockets)."""

from __future__ import annotations

import pytest

from falsafa.jobs.book_text import Rejected, check_extension, check_storage_url, decode_book
from tests.conftest import SHARED

ALLOWED = frozenset({"https://proj.supabase.co", "http://127.0.0.1:9000"})


@pytest.mark.parametrize(
    "url",
    [
        "https://proj.supabase.co/storage/v1/object/public/books/a.txt",
        "https://PROJ.supabase.co:443/storage/v1/object/public/books/a.txt",
        "http://127.0.0.1:9000/storage/v1/object/public/books/a.txt",
    ],
)
def test_allowed_urls(url: str) -> None:
    assert check_storage_url(url, ALLOWED) == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://proj.supabase.co.evil.com/a.txt", "outside the allowed storage origin"),
        ("https://proj.supabase.co@evil.com/a.txt", "must not contain credentials"),
        ("https://user:pw@proj.supabase.co/a.txt", "must not contain credentials"),
        ("http://proj.supabase.co/a.txt", "outside the allowed storage origin"),
        ("https://proj.supabase.co:8443/a.txt", "outside the allowed storage origin"),
        ("http://127.0.0.1:9001/a.txt", "not the storage service"),
        ("http://[::1]:9000/a.txt", "not the storage service"),
        ("http://localhost:9000/a.txt", "not the storage service"),
        ("http://2130706433/a.txt", "not the storage service"),
        ("file:///etc/passwd", "must be an http(s) URL"),
        ("gopher://x/a.txt", "must be an http(s) URL"),
        ("https://proj.supabase.co/a b.txt", "whitespace or control"),
        ("https://proj.supabase.co:99999/a.txt", "not a valid URL"),
        ("", "non-empty"),
    ],
)
def test_rejected_urls(url: str, message: str) -> None:
    with pytest.raises(Rejected, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_storage_url(url, ALLOWED)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://h/a.txt", True),
        ("https://h/a.MD", True),
        ("https://h/a.txt?token=1", True),
        ("https://h/a%2Etxt", True),
        ("https://h/a.txt.exe", False),
        ("https://h/a.pdf", False),
        ("https://h/a", False),
    ],
)
def test_extensions(url: str, ok: bool) -> None:
    if ok:
        assert check_extension(url) in {".txt", ".md"}
    else:
        with pytest.raises(Rejected):
            check_extension(url)


def test_decoding_real_bad_inputs() -> None:
    bad = SHARED / "data" / "bad"
    with pytest.raises(Rejected, match="binary"):
        decode_book((bad / "binary_gzip.txt").read_bytes())
    with pytest.raises(Rejected, match="empty"):
        decode_book((bad / "empty.txt").read_bytes())
    latin = decode_book((bad / "latin1_encoded.txt").read_bytes())
    assert "Anna Pávlovna Schérer" in latin and "\ufffd" not in latin


def test_decoding_variants() -> None:
    assert decode_book("\ufeffHello “world”".encode()) == "Hello “world”"
    assert decode_book("Hi there".encode("utf-16")) == "Hi there"
    assert decode_book("caf\u00e9 “quoted”".encode("cp1252")) == "caf\u00e9 “quoted”"
    with pytest.raises(Rejected, match="could not be recognised"):
        decode_book(b"abc \x81\x8d def")
    with pytest.raises(Rejected, match="control characters"):
        decode_book(b"a" * 100 + b"\x01\x02\x03" * 100)
