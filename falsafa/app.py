"""The quart-trio application: routes, request ids, errors, metrics.

Usage::

    app = create_app(services)          # services: falsafa.services.Services
    await hypercorn.trio.serve(app, config, shutdown_trigger=stop.wait)

The app holds no long-lived tasks of its own: the supervisor's nursery owns
the HTTP server, the job consumers and every chat stream (see
``falsafa.supervisor``). Quart's ``before_serving`` is not used to start
anything, because a failure there is only logged.
"""

from __future__ import annotations

import hmac
import logging
import time
import uuid

from quart import Response, g, request
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from falsafa import metrics
from falsafa.api import chat, ops, processing
from falsafa.errors import ApiError, error_body, json_response
from falsafa.logs import log_context
from falsafa.services import Services

__all__ = ["METRIC_METHODS", "SHUTTING_DOWN", "create_app", "method_label"]

log = logging.getLogger("falsafa.http")

_REQUEST_ID_HEADER = "X-Request-Id"
_SECRET_HEADER = "X-Falsafa-Secret"
# Routes that must answer for probes and scrapers even when a shared secret
# protects the business endpoints.
_OPEN_ROUTES = {"/health", "/metrics"}
# Label values of ``method`` in /metrics: a fixed set, so a client sending
# made-up methods cannot create series (every series is kept for the
# process's life). The route label is the matched rule or ``unmatched``.
METRIC_METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS"})
SHUTTING_DOWN = "the server is shutting down; try again shortly"
# Seconds. SSE responses set their own timeout (None); everything else is short.
RESPONSE_TIMEOUT = 60
BODY_TIMEOUT = 30


def _clean_request_id(raw: str | None) -> str:
    # A caller-supplied id is echoed into logs and headers: keep it short and
    # printable so it cannot forge log lines or split headers.
    if raw and len(raw) <= 64 and all(c.isalnum() or c in "-_." for c in raw):
        return raw
    return uuid.uuid4().hex


def method_label(method: str) -> str:
    """``method`` as a metric label: itself when in ``METRIC_METHODS``, else ``other``."""
    return method if method in METRIC_METHODS else "other"


def _shutting_down() -> Response:
    # Connection: close moves a kept-alive client to another replica.
    response = json_response(error_body(503, SHUTTING_DOWN), 503)
    response.headers["Connection"] = "close"
    response.headers["Retry-After"] = "1"
    return response


def create_app(services: Services, *, business: bool = True) -> QuartTrio:
    """The app; ``business=False`` serves only /health and /metrics (the
    listener of a worker-only process)."""
    app = QuartTrio("falsafa")
    app.config.update(
        MAX_CONTENT_LENGTH=services.settings.max_body_bytes,
        RESPONSE_TIMEOUT=RESPONSE_TIMEOUT,
        BODY_TIMEOUT=BODY_TIMEOUT,
        PROVIDE_AUTOMATIC_OPTIONS=False,
    )
    app.extensions["falsafa"] = services
    app.register_blueprint(ops.blueprint)
    if business:
        app.register_blueprint(processing.blueprint)
        app.register_blueprint(chat.blueprint)

    @app.before_request
    async def start_request() -> Response | None:
        g.request_id = _clean_request_id(request.headers.get(_REQUEST_ID_HEADER))
        g.started = time.perf_counter()
        g.log_context = log_context(request_id=g.request_id)
        g.log_context.__enter__()
        if services.stopping.is_set() and request.path not in _OPEN_ROUTES:
            return _shutting_down()
        secret = services.settings.api_secret
        if secret and request.path not in _OPEN_ROUTES:
            given = request.headers.get(_SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), secret.encode()):
                return json_response(error_body(401, f"missing or wrong {_SECRET_HEADER}"), 401)
        return None

    @app.after_request
    async def finish_request(response: Response) -> Response:
        rule = request.url_rule.rule if request.url_rule is not None else "unmatched"
        status = str(response.status_code)
        method = method_label(request.method)
        metrics.HTTP_REQUESTS.labels(route=rule, method=method, status=status).inc()
        started = getattr(g, "started", None)
        elapsed = time.perf_counter() - started if started is not None else 0.0
        metrics.HTTP_REQUEST_SECONDS.labels(route=rule, method=method).observe(elapsed)
        response.headers[_REQUEST_ID_HEADER] = getattr(g, "request_id", "")
        if rule != "/health" and rule != "/metrics":
            log.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
        return response

    @app.teardown_request
    async def end_request(_exc: BaseException | None) -> None:
        ctx = getattr(g, "log_context", None)
        if ctx is not None:
            ctx.__exit__(None, None, None)
            g.log_context = None

    @app.errorhandler(ApiError)
    async def api_error(exc: ApiError) -> Response:
        return json_response(exc.body(), exc.status)

    @app.errorhandler(RequestEntityTooLarge)
    async def too_large(_exc: RequestEntityTooLarge) -> Response:
        limit = services.settings.max_body_bytes
        return json_response(error_body(400, f"request body over {limit} bytes"), 400)

    @app.errorhandler(HTTPException)
    async def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        return json_response(error_body(status, exc.name.lower()), status)

    @app.errorhandler(Exception)
    async def internal_error(exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        return json_response(error_body(500, "internal error"), 500)

    return app
