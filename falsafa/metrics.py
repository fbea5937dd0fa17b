"""Every Prometheus metric of the service, in one registry, named once.

Usage::

    from falsafa import metrics
    metrics.HTTP_REQUESTS.labels(route="/health", method="GET", status="200").inc()
    body, content_type = metrics.render()

Names follow Prometheus conventions: ``falsafa_`` prefix, base units
(seconds, bytes), ``_total`` on counters. Metrics are per process; scale by
replicas and let Prometheus sum them. The queue's depths are the exception
made to fit that rule: one process exports them (see ``QueueGauges``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

__all__ = [
    "ACTIVE_STREAMS",
    "BOOK_REPAIRS",
    "CHAT_DISCONNECTS",
    "CHAT_FINISH_REASONS",
    "CHAT_STREAM_SECONDS",
    "CHAT_TTFT_SECONDS",
    "HTTP_REQUESTS",
    "HTTP_REQUEST_SECONDS",
    "JOBS",
    "JOBS_IN_STAGE",
    "JOB_STAGE_SECONDS",
    "LLM_ERRORS",
    "LOCK_CONFLICTS",
    "QUEUE_DEPTH",
    "REGISTRY",
    "TOKENS_STREAMED",
    "QueueGauges",
    "render",
]

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

_LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

HTTP_REQUESTS = Counter(
    "falsafa_http_requests_total",
    "HTTP requests by route, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_REQUEST_SECONDS = Histogram(
    "falsafa_http_request_duration_seconds",
    "Time to the response's headers (streams are measured separately).",
    ["route", "method"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
CHAT_TTFT_SECONDS = Histogram(
    "falsafa_chat_time_to_first_token_seconds",
    "From the chat request to its first token event.",
    ["responder"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
CHAT_STREAM_SECONDS = Histogram(
    "falsafa_chat_stream_duration_seconds",
    "Whole chat streams, by how they ended.",
    ["outcome"],
    buckets=_LATENCY,
    registry=REGISTRY,
)
TOKENS_STREAMED = Counter(
    "falsafa_chat_tokens_streamed_total",
    "Token events sent to clients.",
    ["responder"],
    registry=REGISTRY,
)
ACTIVE_STREAMS = Gauge(
    "falsafa_chat_active_streams", "Chat streams in progress.", registry=REGISTRY
)
LOCK_CONFLICTS = Counter(
    "falsafa_chat_lock_conflicts_total",
    "Chat requests refused because the session was already streaming.",
    registry=REGISTRY,
)
CHAT_DISCONNECTS = Counter(
    "falsafa_chat_client_disconnects_total",
    "Chat streams the client left before the end.",
    registry=REGISTRY,
)
CHAT_FINISH_REASONS = Counter(
    "falsafa_chat_finish_reasons_total",
    "Complete replies by why the model stopped (stop, length, content_filter, tool_calls, "
    "function_call, other; none: [DONE] without a reason).",
    ["reason"],
    registry=REGISTRY,
)
LLM_ERRORS = Counter(
    "falsafa_llm_errors_total",
    "LLM failures by kind (status, timeout, idle, connection, dropped, stream_error, completion).",
    ["kind"],
    registry=REGISTRY,
)
JOBS = Counter(
    "falsafa_jobs_total",
    "Processing jobs by outcome (completed, retried, failed, requeued, reaped, outage).",
    ["outcome"],
    registry=REGISTRY,
)
BOOK_REPAIRS = Counter(
    "falsafa_book_repairs_total",
    "Books left pending or processing without a live job, repaired by the sweeper "
    "(action: requeued, failed).",
    ["action"],
    registry=REGISTRY,
)
JOB_STAGE_SECONDS = Histogram(
    "falsafa_job_stage_duration_seconds",
    "Duration of each pipeline stage.",
    ["stage"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300),
    registry=REGISTRY,
)
JOBS_IN_STAGE = Gauge(
    "falsafa_jobs_in_stage",
    "Jobs this process is working on, by stage (downloading, extracting, indexing, "
    "personas, saving).",
    ["stage"],
    registry=REGISTRY,
)


class QueueGauges(Collector):
    """The queue's cluster-wide gauges, exported by one process at a time.

    Usage (the reaper that holds the lease does this)::

        QUEUE_DEPTH.sample({"pending": 3, "processing": 1, "delayed": 0, "dead": 0})
        QUEUE_DEPTH.withdraw()      # another process exports them now

    The depths are the whole queue's, not this process's share, so only the
    holder of the reaper's lease exports them: summed over every replica
    they give the true depth. ``falsafa_queue_depth_age_seconds`` is the age
    of the last reading: it grows while Redis is unreachable, marking the
    depths as stale instead of letting them freeze unnoticed.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._depths: dict[str, int] | None = None
        self._sampled_at = 0.0

    def sample(self, depths: Mapping[str, int]) -> None:
        self._depths = dict(depths)
        self._sampled_at = self.clock()

    def withdraw(self) -> None:
        self._depths = None

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily(
            "falsafa_queue_depth",
            "Jobs waiting, in progress, delayed and dead-lettered, in the whole queue "
            "(exported by one process: the reaper holding the lease).",
            labels=["list"],
        )
        age = GaugeMetricFamily(
            "falsafa_queue_depth_age_seconds",
            "Seconds since falsafa_queue_depth was read from Redis (grows while it is unreachable).",
        )
        if self._depths is not None:
            for name, value in sorted(self._depths.items()):
                depth.add_metric([name], value)
            age.add_metric([], max(0.0, self.clock() - self._sampled_at))
        yield depth
        yield age


QUEUE_DEPTH = QueueGauges()
REGISTRY.register(QUEUE_DEPTH)


def render() -> tuple[bytes, str]:
    """The scrape body and its content type (text format 0.0.4, which every
    Prometheus version reads; names here need no escaping)."""
    return generate_latest(REGISTRY), CONTENT_TYPE_PLAIN_0_0_4
