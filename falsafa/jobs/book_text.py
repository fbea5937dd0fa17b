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
from urllib.parse import unquote, urlsplit

from falsafa.book import UnreadableText, decode_text
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


def decode_book(data: bytes) -> str:
    """The upload's text (see :func:`falsafa.book.decode_text`), or ``Rejected``."""
    try:
        return decode_text(data)
    except UnreadableText as exc:
        raise Rejected(str(exc)) from None
