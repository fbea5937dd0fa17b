"""The labels of /metrics come from the server, never from the client.

A series lives as long as the process: a label value taken from a request
(a made-up method, a path) would let anyone grow the scrape without bound,
with or without the API secret (the metrics hook also runs on a 401).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import httpx

from falsafa.app import METRIC_METHODS, method_label
from falsafa.config import Settings
from tests.conftest import StartService

SECRET = "metrics-Secret-51c2"
SERIES = re.compile(r"^(falsafa_http_request[a-z_]*)\{([^}]*)\} ", re.MULTILINE)
# A series' samples: a histogram's buckets, count and sum, a counter's total
# and creation time.
SAMPLE_SUFFIX = re.compile(r"_(bucket|count|sum|total|created)$")
LABEL = re.compile(r'(\w+)="([^"]*)"')


def made_up(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(method, path) pairs no route knows; the methods are valid HTTP tokens."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [
        (
            "".join(rng.choice(letters) for _ in range(rng.randint(3, 12))) + str(n),
            f"/made-up/{n}/{rng.randrange(10**9)}",
        )
        for n in range(count)
    ]


def http_series(body: str) -> list[dict[str, str]]:
    """Each HTTP series once, whatever its samples."""
    found = {(SAMPLE_SUFFIX.sub("", name), labels) for name, labels in SERIES.findall(body)}
    series = []
    for name, labels in sorted(found):
        values = {k: v for k, v in LABEL.findall(labels) if k != "le"}
        series.append({"__name__": name, **values})
    return series


def test_method_label_is_one_of_a_fixed_set() -> None:
    assert {method_label(m) for m in ("GET", "POST", "HEAD", "OPTIONS")} == METRIC_METHODS
    assert {method_label(m) for m in ("PURGE", "get", "PROPFIND", "X" * 200)} == {"other"}


async def test_made_up_methods_and_paths_add_no_series(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    service = await start_service(make_settings(api_secret=SECRET))
    assert service.app is not None
    routes = {rule.rule for rule in service.app.url_map.iter_rules()} | {"unmatched"}
    probes = made_up(random.Random(50), 50)
    async with httpx.AsyncClient(base_url=str(service.url)) as client:
        before = http_series((await client.get("/metrics")).text)
        statuses = []
        for index, (method, path) in enumerate(probes):
            headers = {"X-Falsafa-Secret": SECRET} if index % 2 else {}
            # Each made-up method on a made-up path and on a real route.
            for target in (path, "/character/chat", "/health"):
                response = await client.request(method, target, headers=headers)
                statuses.append(response.status_code)
        body = (await client.get("/metrics")).text
    after = http_series(body)

    assert set(statuses) <= {401, 404, 405}
    assert 404 in statuses and 405 in statuses and 401 in statuses
    for labels in after:
        assert labels["method"] in METRIC_METHODS | {"other"}, labels
        assert labels["route"] in routes, labels
    for method, path in probes:
        assert method not in body and path not in body
    # 150 requests with 50 methods and 50 paths: a few series, not hundreds.
    new = {tuple(sorted(s.items())) for s in after} - {tuple(sorted(s.items())) for s in before}
    assert 0 < len(new) <= 10, new
    others = [
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("falsafa_http_requests_total{") and 'method="other"' in line
    ]
    assert sum(others) >= len(probes) * 3
