"""Fetch an uploaded book from the storage service, and nothing else.

Usage::

    data = await download_book(client, url, allowed_origins=..., max_bytes=..., timeout=120,
                               credentials=lambda url: None)   # headers for one hop's URL

The URL is checked against the allowed origins before any request; redirects
are followed by hand, each hop checked the same way (at most 3) and given
the headers ``credentials`` returns for its own URL, so a key meant for one
origin never follows a redirect to another. The body is
streamed and the size cap enforced while reading, so a huge or endless
response costs at most ``max_bytes``. The whole download runs under one
deadline (the spec's 120 s).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin

import httpx
import trio

from falsafa.jobs.book_text import Rejected, check_storage_url

__all__ = ["DownloadFailed", "download_book"]

_MAX_REDIRECTS = 3


class DownloadFailed(RuntimeError):
    """Storage could not deliver the file (unreachable, 5xx, timeout): our
    side or theirs, not the client's, so the endpoint answers 500."""


async def download_book(
    client: httpx.AsyncClient,
    url: str,
    *,
    allowed_origins: frozenset[str],
    max_bytes: int,
    timeout: float,
    credentials: Callable[[str], dict[str, str] | None] | None = None,
) -> bytes:
    check_storage_url(url, allowed_origins)
    try:
        with trio.fail_after(timeout):
            for _hop in range(_MAX_REDIRECTS + 1):
                headers = credentials(url) if credentials is not None else None
                async with client.stream("GET", url, headers=headers) as response:
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        url = check_storage_url(urljoin(url, location), allowed_origins)
                        continue
                    if response.status_code in (404, 400, 403):
                        raise Rejected(
                            f"the file was not found in storage (HTTP {response.status_code})"
                        )
                    if response.status_code != 200:
                        raise DownloadFailed(f"storage answered HTTP {response.status_code}")
                    declared = response.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise Rejected(f"the file is over the {max_bytes}-byte limit")
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        size += len(chunk)
                        if size > max_bytes:
                            raise Rejected(f"the file is over the {max_bytes}-byte limit")
                        chunks.append(chunk)
                    return b"".join(chunks)
            raise Rejected("too many redirects")
    except trio.TooSlowError:
        raise DownloadFailed(f"storage did not deliver the file within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise DownloadFailed(f"storage unreachable: {type(exc).__name__}") from None
