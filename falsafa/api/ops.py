"""Operations endpoints: ``GET /health`` and ``GET /metrics``.

Both answer without touching any dependency, as the spec asks: /health is a
liveness probe (is the event loop serving?), not a readiness check.
"""

from __future__ import annotations

from quart import Blueprint, Response

from falsafa import metrics

__all__ = ["blueprint"]

blueprint = Blueprint("ops", __name__)


@blueprint.get("/health")
async def health() -> Response:
    return Response(b"ok", status=200, content_type="text/plain")


@blueprint.get("/metrics")
async def scrape() -> Response:
    body, content_type = metrics.render()
    return Response(body, status=200, content_type=content_type)
