"""GET /health and GET /metrics over real HTTP, on a real Hypercorn."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from falsafa.config import Settings
from tests.conftest import StartService


async def test_health_is_plain_ok_without_caching_headers(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    service = await start_service(make_settings())
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert response.text == "ok"
    assert response.headers["content-type"].startswith("text/plain")
    for header in ("cache-control", "expires", "etag", "last-modified"):
        assert header not in response.headers


async def test_health_needs_no_dependency(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    # Redis at a port where nothing listens: liveness must not care.
    service = await start_service(make_settings(redis_url="redis://127.0.0.1:1/0"))
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.get("/health")
    assert (response.status_code, response.text) == (200, "ok")


async def test_metrics_in_prometheus_text_format(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    service = await start_service(make_settings())
    async with httpx.AsyncClient(base_url=service.url) as client:
        await client.get("/health")
        await client.get("/no-such-route")
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert "cache-control" not in response.headers
    body = response.text
    assert 'falsafa_http_requests_total{method="GET",route="/health",status="200"}' in body
    assert 'falsafa_http_requests_total{method="GET",route="unmatched",status="404"}' in body
    assert "falsafa_http_request_duration_seconds_bucket" in body
    assert "process_resident_memory_bytes" in body
    for name in (
        "falsafa_chat_time_to_first_token_seconds",
        "falsafa_chat_active_streams",
        "falsafa_jobs_total",
        "falsafa_queue_depth",
    ):
        assert name in body


async def test_unknown_route_is_json_404_with_request_id(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    service = await start_service(make_settings())
    async with httpx.AsyncClient(base_url=service.url) as client:
        response = await client.get("/nope", headers={"X-Request-Id": "abc-123"})
        forged = await client.get("/health", headers={"X-Request-Id": 'bad id"<x>'})
    assert response.status_code == 404
    assert response.json() == {"error": "not found", "code": 404}
    assert response.headers["x-request-id"] == "abc-123"
    assert forged.headers["x-request-id"] != 'bad id"<x>'


async def test_worker_only_process_serves_just_ops_on_metrics_bind(
    make_settings: Callable[..., Settings], start_service: StartService
) -> None:
    service = await start_service(
        make_settings(roles=frozenset({"worker"}), metrics_bind=("127.0.0.1", 0))
    )
    assert service.url is not None
    async with httpx.AsyncClient(base_url=service.url) as client:
        health = await client.get("/health")
        scrape = await client.get("/metrics")
        business = await client.post("/character/chat", json={})
    assert (health.status_code, health.text) == (200, "ok")
    assert "falsafa_queue_depth" in scrape.text
    assert business.status_code == 404
