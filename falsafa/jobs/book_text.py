"""Is this upload a book we can read? Pure checks on URLs and bytes.

Usage::

    check_storage_url(url, allowed_origins)   # raises Rejected, e.g. off-origin
    check_extension(url)                       # raises Rejected unless .txt/.md
    text = decode_book(data)                   # raises Rejected: binary, empty, bad encoding

Every rejection carries a message written for the person who uploaded the
file; the endpoint returns it as a 422.
"""

from __future__ import annotations

import posixpath
import unicodedata
from urllib.parse import unquote, urlsplit

from falsafa.config import is_ip_literal, origin_of

__all__ = ["ALLOWED_EXTENSIONS", "Rejected", "check_extension", "check_storage_url", "decode_book"]

ALLOWED_EXTENSIONS = (".txt", ".md")


class Rejected(ValueError):
    """The file or its URL is not acceptable; the message says why."""


def check_storage_url(url: str, allowed_origins: frozenset[str]) -> str:
    """The URL, if it points into one of the allowed storage origins.

    Only an exact origin match counts (scheme, host and port), so user-info
    tricks (``https://allowed@evil``), look-alike hosts and other ports fail.
    Loopback and IP-literal hosts pass only when configured as an origin.
    """
    if not isinstance(url, str) or not url:
        raise Rejected("file_url must be a non-empty URL")
    if any(ord(c) < 0x21 or c == "\x7f" for c in url):
        raise Rejected("file_url contains whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Rejected(f"file_url is not a valid URL: {exc}") from None
    if parts.scheme not in {"http", "https"}:
        raise Rejected("file_url must be an http(s) URL of the storage service")
    if not parts.hostname:
        raise Rejected("file_url has no host")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise Rejected("file_url must not contain credentials")
    del port
    origin = origin_of(url)
    if origin not in allowed_origins:
        host = parts.hostname.rstrip(".")
        if is_ip_literal(host) or host == "localhost" or host.endswith(".localhost"):
            raise Rejected("file_url points to an address that is not the storage service")
        raise Rejected("file_url is outside the allowed storage origin")
    return url


def check_extension(url: str) -> str:
    """The file name's extension (``.txt`` or ``.md``), or ``Rejected``."""
    path = unquote(urlsplit(url).path)
    extension = posixpath.splitext(path)[1].lower()
    if extension not in ALLOWED_EXTENSIONS:
        shown = extension or "none"
        raise Rejected(f"file must be .txt or .md (got {shown})")
    return extension


_CONTROL_OK = {"\n", "\r", "\t", "\f", "\v"}


def decode_book(data: bytes) -> str:
    """Decode an upload to text, or say clearly why it is not a readable book.

    UTF-8 with or without a BOM is read as is. A file that is not UTF-8 but
    is plainly single-byte Western text (no C1 control bytes) is decoded as
    Windows-1252, a superset of Latin-1 that also holds curly quotes, so
    "Pávlovna" stays intact. Binary data (NUL bytes, compressed files) and
    anything else are rejected, never decoded with replacement characters.
    """
    if not data:
        raise Rejected("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 is full of NUL bytes; only its byte order mark tells it apart.
        text = _decode_utf16(data)
    elif data[:2] == b"\x1f\x8b" or b"\x00" in data:
        raise Rejected("the file is binary (compressed or NUL bytes), not plain text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _decode_legacy(data, exc)
    if not text.strip():
        raise Rejected("the file contains only whitespace")
    controls = sum(
        1 for c in text[:200_000] if unicodedata.category(c) == "Cc" and c not in _CONTROL_OK
    )
    if controls > max(10, len(text[:200_000]) // 1000):
        raise Rejected("the file looks binary (too many control characters)")
    return text


def _decode_utf16(data: bytes) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError:
        raise Rejected("the file has a UTF-16 byte order mark but is not valid UTF-16") from None


def _decode_legacy(data: bytes, error: UnicodeDecodeError) -> str:
    # C1 controls (0x80-0x9f) are undefined or rare in cp1252 prose but
    # common in other encodings' high bytes; refusing them avoids mojibake.
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    if any(b in undefined for b in data):
        raise Rejected(
            f"the file is not UTF-8 (invalid byte at offset {error.start}) and its "
            "encoding could not be recognised; save it as UTF-8 and upload again"
        )
    text = data.decode("cp1252")
    letters = sum(1 for c in text if c.isalpha())
    if letters < len(text) * 0.5:
        raise Rejected(
            f"the file is not UTF-8 (invalid byte at offset {error.start}) and does not "
            "read as Western text; save it as UTF-8 and upload again"
        )
    return text
