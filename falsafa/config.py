"""Environment -> one typed settings object.

Usage::

    settings = Settings.from_env(os.environ)     # raises ConfigError naming the variable
    settings.bind_host, settings.bind_port       # "127.0.0.1", 8000
    settings.roles                               # frozenset({"api", "worker"})

Every variable is declared once in ``VARIABLES`` (name, default, meaning);
the README's configuration table is generated from it and a test keeps the
two in step, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["VARIABLES", "ConfigError", "Settings", "Variable", "markdown_table", "origin_of"]


class ConfigError(ValueError):
    """Bad configuration; the message is one line naming the variable."""


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    default: str
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable("FALSAFA_BIND", "127.0.0.1:8000", "HTTP listen address, `host:port`."),
    Variable(
        "FALSAFA_METRICS_BIND",
        "",
        "Worker-only processes: `host:port` serving just /health and /metrics (empty: none).",
    ),
    Variable("FALSAFA_ROLES", "api,worker", "What this process runs: `api`, `worker`, or both."),
    Variable(
        "FALSAFA_LOG_LEVEL", "INFO", "`DEBUG`, `INFO`, `WARNING` or `ERROR`; logs are JSON lines."
    ),
    Variable("REDIS_URL", "redis://127.0.0.1:6379/0", "Redis for the job queue and session locks."),
    Variable("FALSAFA_STORE", "sqlite", "`sqlite` (embedded, one file) or `supabase`."),
    Variable("FALSAFA_SQLITE_PATH", "var/falsafa.sqlite3", "The embedded store's file."),
    Variable("SUPABASE_URL", "", "Supabase project URL (required with `FALSAFA_STORE=supabase`)."),
    Variable("SUPABASE_SERVICE_ROLE_KEY", "", "Supabase service-role key (never logged)."),
    Variable(
        "FALSAFA_STORAGE_ORIGINS",
        "",
        "Comma-separated origins books may be downloaded from (`https://x.supabase.co`); "
        "defaults to the origin of `SUPABASE_URL`. Nothing else is ever fetched.",
    ),
    Variable(
        "FALSAFA_STORE_TIMEOUT", "10", "Seconds allowed for one store call, retries included."
    ),
    Variable("FALSAFA_DOWNLOAD_TIMEOUT", "120", "Seconds allowed for downloading one book."),
    Variable("FALSAFA_MAX_BOOK_BYTES", "20000000", "Largest book accepted, in bytes (422 above)."),
    Variable("FALSAFA_MAX_BODY_BYTES", "65536", "Largest JSON request body, in bytes (400 above)."),
    Variable(
        "FALSAFA_MAX_MESSAGE_CHARS", "4000", "Longest chat message, in characters (400 above)."
    ),
    Variable("FALSAFA_MAX_STREAMS", "1000", "Concurrent chat streams per process (503 above)."),
    Variable(
        "FALSAFA_API_SECRET", "", "If set, business endpoints require header `X-Falsafa-Secret`."
    ),
    Variable("OPENAI_API_KEY", "", "LLM key; empty means the offline responder answers."),
    Variable("OPENAI_BASE_URL", "https://api.openai.com/v1", "Any OpenAI-compatible API."),
    Variable("OPENAI_MODEL", "gpt-4o-mini", "Chat model name."),
    Variable("FALSAFA_LLM_TIMEOUT", "30", "Seconds to wait for the LLM's first token."),
    Variable(
        "FALSAFA_LLM_IDLE_TIMEOUT", "30", "Seconds of LLM silence mid-stream before a 502 event."
    ),
    Variable(
        "FALSAFA_SSE_KEEPALIVE", "10", "Seconds of silence before an SSE `: keep-alive` line."
    ),
    Variable("FALSAFA_QUEUE", "processing_queue", "Redis list of pending jobs (the spec's name)."),
    Variable("FALSAFA_CONSUMERS", "1", "Job consumers in a worker process."),
    Variable("FALSAFA_JOB_ATTEMPTS", "3", "Attempts per job before it is dead-lettered."),
    Variable("FALSAFA_JOB_VISIBILITY", "60", "Seconds without heartbeat before a job is requeued."),
    Variable("FALSAFA_JOB_BACKOFF", "2", "Seconds before the first retry; x4 each retry, max 300."),
    Variable("FALSAFA_TEXT_TTL", "604800", "Seconds an accepted book's text is kept for its job."),
    Variable("FALSAFA_LOCK_TTL", "30", "Seconds a chat session lock lives unless renewed."),
    Variable("FALSAFA_GRACEFUL_TIMEOUT", "20", "Seconds to drain on SIGTERM before cancelling."),
    Variable(
        "FALSAFA_EXTRACTOR", "builtin", "`builtin` or `booknlp` (needs the extra and models)."
    ),
    Variable("FALSAFA_BOOKNLP_MODELS", "", "Directory holding BookNLP's model files."),
    Variable("FALSAFA_PERSONAS", "12", "Characters per book that get a persona."),
)

_DEFAULTS = {v.name: v.default for v in VARIABLES}


def markdown_table() -> str:
    """The README's configuration table."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for v in VARIABLES:
        default = f"`{v.default}`" if v.default else "(empty)"
        rows.append(f"| `{v.name}` | {default} | {v.meaning} |")
    return "\n".join(rows)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` in lower case, default ports dropped."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in {("http", 80), ("https", 443)}:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True, slots=True)
class Settings:
    bind_host: str = "127.0.0.1"
    bind_port: int = 8000
    roles: frozenset[str] = frozenset({"api", "worker"})
    metrics_bind: tuple[str, int] | None = None
    log_level: str = "INFO"
    redis_url: str = "redis://127.0.0.1:6379/0"
    store: str = "sqlite"
    sqlite_path: Path = Path("var/falsafa.sqlite3")
    supabase_url: str = ""
    supabase_key: str = field(default="", repr=False)
    storage_origins: frozenset[str] = frozenset()
    store_timeout: float = 10.0
    download_timeout: float = 120.0
    max_book_bytes: int = 20_000_000
    max_body_bytes: int = 65_536
    max_message_chars: int = 4000
    max_streams: int = 1000
    api_secret: str = field(default="", repr=False)
    openai_api_key: str = field(default="", repr=False)
    openai_base_url: str = "https://api.openai.com/v1"
    openai_model: str = "gpt-4o-mini"
    llm_timeout: float = 30.0
    llm_idle_timeout: float = 30.0
    sse_keepalive: float = 10.0
    queue: str = "processing_queue"
    consumers: int = 1
    job_attempts: int = 3
    job_visibility: float = 60.0
    job_backoff: float = 2.0
    text_ttl: int = 604_800
    lock_ttl: float = 30.0
    graceful_timeout: float = 20.0
    extractor: str = "builtin"
    booknlp_models: Path | None = None
    personas: int = 12

    @property
    def offline(self) -> bool:
        """No LLM key: the offline responder answers chat."""
        return not self.openai_api_key

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def raw(name: str) -> str:
            value = env.get(name)
            return (_DEFAULTS[name] if value is None else value).strip()

        def parse(name: str, convert: Callable[[str], Any]) -> Any:
            value = raw(name)
            try:
                return convert(value)
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"{name}={value!r}: {exc}") from None

        host, port = parse("FALSAFA_BIND", _host_port)
        store = parse("FALSAFA_STORE", _choice("sqlite", "supabase"))
        supabase_url = raw("SUPABASE_URL")
        supabase_key = raw("SUPABASE_SERVICE_ROLE_KEY")
        if supabase_url:
            parse("SUPABASE_URL", _http_url)
        if store == "supabase" and not (supabase_url and supabase_key):
            missing = "SUPABASE_URL" if not supabase_url else "SUPABASE_SERVICE_ROLE_KEY"
            raise ConfigError(f"{missing}: required when FALSAFA_STORE=supabase")
        origins = parse("FALSAFA_STORAGE_ORIGINS", _origins)
        if not origins and supabase_url:
            origins = frozenset({origin_of(supabase_url)})
        models = raw("FALSAFA_BOOKNLP_MODELS")
        return cls(
            bind_host=host,
            bind_port=port,
            roles=parse("FALSAFA_ROLES", _roles),
            metrics_bind=parse("FALSAFA_METRICS_BIND", _optional_host_port),
            log_level=parse("FALSAFA_LOG_LEVEL", _choice("DEBUG", "INFO", "WARNING", "ERROR")),
            redis_url=parse("REDIS_URL", _redis_url),
            store=store,
            sqlite_path=Path(raw("FALSAFA_SQLITE_PATH") or _DEFAULTS["FALSAFA_SQLITE_PATH"]),
            supabase_url=supabase_url.rstrip("/"),
            supabase_key=supabase_key,
            storage_origins=origins,
            store_timeout=parse("FALSAFA_STORE_TIMEOUT", _positive_float),
            download_timeout=parse("FALSAFA_DOWNLOAD_TIMEOUT", _positive_float),
            max_book_bytes=parse("FALSAFA_MAX_BOOK_BYTES", _positive_int),
            max_body_bytes=parse("FALSAFA_MAX_BODY_BYTES", _positive_int),
            max_message_chars=parse("FALSAFA_MAX_MESSAGE_CHARS", _positive_int),
            max_streams=parse("FALSAFA_MAX_STREAMS", _positive_int),
            api_secret=raw("FALSAFA_API_SECRET"),
            openai_api_key=raw("OPENAI_API_KEY"),
            openai_base_url=parse("OPENAI_BASE_URL", _http_url).rstrip("/"),
            openai_model=raw("OPENAI_MODEL") or _DEFAULTS["OPENAI_MODEL"],
            llm_timeout=parse("FALSAFA_LLM_TIMEOUT", _positive_float),
            llm_idle_timeout=parse("FALSAFA_LLM_IDLE_TIMEOUT", _positive_float),
            sse_keepalive=parse("FALSAFA_SSE_KEEPALIVE", _positive_float),
            queue=parse("FALSAFA_QUEUE", _name),
            consumers=parse("FALSAFA_CONSUMERS", _positive_int),
            job_attempts=parse("FALSAFA_JOB_ATTEMPTS", _positive_int),
            job_visibility=parse("FALSAFA_JOB_VISIBILITY", _positive_float),
            job_backoff=parse("FALSAFA_JOB_BACKOFF", _positive_float),
            text_ttl=parse("FALSAFA_TEXT_TTL", _positive_int),
            lock_ttl=parse("FALSAFA_LOCK_TTL", _positive_float),
            graceful_timeout=parse("FALSAFA_GRACEFUL_TIMEOUT", _positive_float),
            extractor=parse("FALSAFA_EXTRACTOR", _choice("builtin", "booknlp")),
            booknlp_models=Path(models) if models else None,
            personas=parse("FALSAFA_PERSONAS", _positive_int),
        )


def _host_port(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host:
        raise ValueError("expected host:port, e.g. 127.0.0.1:8000")
    number = int(port)
    if not 0 <= number <= 65535:
        raise ValueError("port must be 0..65535")
    return host.strip("[]"), number


def _optional_host_port(value: str) -> tuple[str, int] | None:
    return _host_port(value) if value else None


def _choice(*allowed: str) -> Callable[[str], str]:
    def convert(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return convert


def _roles(value: str) -> frozenset[str]:
    roles = frozenset(r.strip() for r in value.split(",") if r.strip())
    if not roles or not roles <= {"api", "worker"}:
        raise ValueError("expected api, worker or api,worker")
    return roles


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError("must be a positive number")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive integer")
    return number


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("expected an http(s) URL")
    return value


def _redis_url(value: str) -> str:
    if urlsplit(value).scheme not in {"redis", "rediss", "unix"}:
        raise ValueError("expected redis://host:port/db")
    return value


def _origins(value: str) -> frozenset[str]:
    origins = set()
    for item in (v.strip() for v in value.split(",")):
        if not item:
            continue
        parts = urlsplit(item)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(f"{item!r} is not an http(s) origin")
        if parts.path not in {"", "/"} or parts.query or parts.username:
            raise ValueError(f"{item!r}: an origin has no path, query or user")
        origins.add(origin_of(item))
    return frozenset(origins)


def _name(value: str) -> str:
    if not value or any(c.isspace() for c in value):
        raise ValueError("expected a non-empty name without spaces")
    return value


def is_ip_literal(host: str) -> bool:
    """An IP address in any spelling a resolver accepts: dotted, IPv6, and the
    legacy ``inet_aton`` forms (``2130706433``, ``0x7f000001``, ``0177.0.0.1``,
    ``127.1``) that name the same hosts as the dotted ones."""
    host = host.strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        try:
            socket.inet_aton(host)
        except (OSError, ValueError):
            return False
    return True
