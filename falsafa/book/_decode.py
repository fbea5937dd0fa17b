"""Bytes of an uploaded book -> its text, or why it cannot be read. Pure.

Usage::

    text = decode_text(data)       # raises UnreadableText: binary, empty, unknown encoding

One decoder for the service (``POST /character/processing``) and for
``falsafa extract FILE``, so a file one accepts the other reads the same way.
"""

from __future__ import annotations

import unicodedata

__all__ = ["UnreadableText", "decode_text"]


class UnreadableText(ValueError):
    """The bytes are not a readable text; the message says why, for the
    person who has the file."""


_CONTROL_OK = {"\n", "\r", "\t", "\f", "\v"}


def decode_text(data: bytes) -> str:
    """Decode an upload to text, or say clearly why it is not a readable book.

    UTF-8 with or without a BOM is read as is. A file that is not UTF-8 but
    is plainly single-byte Western text (no C1 control bytes) is decoded as
    Windows-1252, a superset of Latin-1 that also holds curly quotes, so
    "Pávlovna" stays intact. Binary data (NUL bytes, compressed files) and
    anything else are rejected, never decoded with replacement characters.
    """
    if not data:
        raise UnreadableText("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 is full of NUL bytes; only its byte order mark tells it apart.
        text = _decode_utf16(data)
    elif data[:2] == b"\x1f\x8b" or b"\x00" in data:
        raise UnreadableText("the file is binary (compressed or NUL bytes), not plain text")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _decode_legacy(data, exc)
    if not text.strip():
        raise UnreadableText("the file contains only whitespace")
    controls = sum(
        1 for c in text[:200_000] if unicodedata.category(c) == "Cc" and c not in _CONTROL_OK
    )
    if controls > max(10, len(text[:200_000]) // 1000):
        raise UnreadableText("the file looks binary (too many control characters)")
    return text


def _decode_utf16(data: bytes) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError:
        raise UnreadableText(
            "the file has a UTF-16 byte order mark but is not valid UTF-16"
        ) from None


def _decode_legacy(data: bytes, error: UnicodeDecodeError) -> str:
    # C1 controls (0x80-0x9f) are undefined or rare in cp1252 prose but
    # common in other encodings' high bytes; refusing them avoids mojibake.
    undefined = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
    if any(b in undefined for b in data):
        raise UnreadableText(
            f"the file is not UTF-8 (invalid byte at offset {error.start}) and its "
            "encoding could not be recognised; save it as UTF-8 and upload again"
        )
    text = data.decode("cp1252")
    letters = sum(1 for c in text if c.isalpha())
    if letters < len(text) * 0.5:
        raise UnreadableText(
            f"the file is not UTF-8 (invalid byte at offset {error.start}) and does not "
            "read as Western text; save it as UTF-8 and upload again"
        )
    return text
