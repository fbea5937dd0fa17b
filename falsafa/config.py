"""Environment -> one typed settings object.

Usage::

    settings = Settings.from_env(os.environ)     # raises ConfigError naming the variable
    settings.bind_host, settings.bind_port       # "127.0.0.1", 8000
    settings.roles                               # frozenset({"api", "worker"})
    print(markdown_table())                      # the README's configuration table

Each setting is declared once, as a field of ``Settings`` made by
``setting(VARIABLE, default, parser, meaning)``: the field's type and default
(the parsed default text), how ``from_env`` reads the variable, and its row
of the configuration table (``falsafa config``; a test keeps the README's
copy in step) all come from that one line.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

__all__ = [
    "BACKOFF_FACTOR",
    "BACKOFF_MAX_SECONDS",
    "VARIABLES",
    "ConfigError",
    "Settings",
    "Variable",
    "markdown_table",
    "origin_of",
]

T = TypeVar("T")

# A failed job waits FALSAFA_JOB_BACKOFF seconds, then this many times longer
# before each next attempt, never more than BACKOFF_MAX_SECONDS.
BACKOFF_FACTOR = 4
BACKOFF_MAX_SECONDS = 300.0


class ConfigError(ValueError):
    """Bad configuration; the message is one line naming the variable."""


@dataclass(frozen=True, slots=True)
class Variable:
    """One environment variable: its name, default text and meaning, the
    parser that turns its text into the value, and the ``Settings`` field."""

    name: str
    default: str
    meaning: str
    parse: Callable[[str], Any] = field(repr=False, compare=False)
    attribute: str = ""  # the Settings field
    # An empty value means the default (rather than "empty" or an error).
    empty_is_default: bool = False


def setting(
    name: str,
    default: str,
    parse: Callable[[str], T],
    meaning: str,
    *,
    secret: bool = False,
    empty_is_default: bool = False,
) -> T:
    """A ``Settings`` field read from the variable ``name`` (see the module)."""
    variable = Variable(name, default, meaning, parse, empty_is_default=empty_is_default)
    spec: T = field(default=parse(default), repr=not secret, metadata={"variable": variable})
    return spec


# -- parsers: text -> value, ValueError with a reason -------------------------


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


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0:
        raise ValueError("must be a number, 0 or more")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive integer")
    return number


def _text(value: str) -> str:
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError("expected an http(s) URL")
    return value.rstrip("/")


def _optional_http_url(value: str) -> str:
    return _http_url(value) if value else ""


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


def _optional_name(value: str) -> str:
    return _name(value) if value else ""


def _optional_path(value: str) -> Path | None:
    return Path(value) if value else None


# -- the settings -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    bind: tuple[str, int] = setting(
        "FALSAFA_BIND", "127.0.0.1:8000", _host_port, "HTTP listen address, `host:port`."
    )
    metrics_bind: tuple[str, int] | None = setting(
        "FALSAFA_METRICS_BIND",
        "",
        _optional_host_port,
        "Worker-only processes: `host:port` serving just /health and /metrics (empty: none).",
    )
    roles: frozenset[str] = setting(
        "FALSAFA_ROLES", "api,worker", _roles, "What this process runs: `api`, `worker`, or both."
    )
    log_level: str = setting(
        "FALSAFA_LOG_LEVEL",
        "INFO",
        _choice("DEBUG", "INFO", "WARNING", "ERROR"),
        "`DEBUG`, `INFO`, `WARNING` or `ERROR`; logs are JSON lines.",
    )
    redis_url: str = setting(
        "REDIS_URL",
        "redis://127.0.0.1:6379/0",
        _redis_url,
        "Redis for the job queue and session locks.",
    )
    store: str = setting(
        "FALSAFA_STORE",
        "sqlite",
        _choice("sqlite", "supabase"),
        "`sqlite` (embedded, one file) or `supabase`.",
    )
    sqlite_path: Path = setting(
        "FALSAFA_SQLITE_PATH",
        "var/falsafa.sqlite3",
        Path,
        "The embedded store's file.",
        empty_is_default=True,
    )
    supabase_url: str = setting(
        "SUPABASE_URL",
        "",
        _optional_http_url,
        "Supabase project URL (required with `FALSAFA_STORE=supabase`).",
    )
    supabase_key: str = setting(
        "SUPABASE_SERVICE_ROLE_KEY",
        "",
        _text,
        "Supabase service-role key (never logged).",
        secret=True,
    )
    storage_origins: frozenset[str] = setting(
        "FALSAFA_STORAGE_ORIGINS",
        "",
        _origins,
        "Comma-separated origins books may be downloaded from (`https://x.supabase.co`); "
        "defaults to the origin of `SUPABASE_URL`. Nothing else is ever fetched.",
    )
    store_timeout: float = setting(
        "FALSAFA_STORE_TIMEOUT",
        "10",
        _positive_float,
        "Seconds allowed for one store call, retries included.",
    )
    download_timeout: float = setting(
        "FALSAFA_DOWNLOAD_TIMEOUT",
        "120",
        _positive_float,
        "Seconds allowed for downloading one book.",
    )
    max_book_bytes: int = setting(
        "FALSAFA_MAX_BOOK_BYTES",
        "20000000",
        _positive_int,
        "Largest book accepted, in bytes (422 above).",
    )
    max_body_bytes: int = setting(
        "FALSAFA_MAX_BODY_BYTES",
        "65536",
        _positive_int,
        "Largest JSON request body, in bytes (400 above).",
    )
    max_message_chars: int = setting(
        "FALSAFA_MAX_MESSAGE_CHARS",
        "4000",
        _positive_int,
        "Longest chat message, in characters (400 above).",
    )
    max_streams: int = setting(
        "FALSAFA_MAX_STREAMS",
        "1000",
        _positive_int,
        "Concurrent chat streams per process (503 above).",
    )
    api_secret: str = setting(
        "FALSAFA_API_SECRET",
        "",
        _text,
        "If set, business endpoints require header `X-Falsafa-Secret`.",
        secret=True,
    )
    openai_api_key: str = setting(
        "OPENAI_API_KEY",
        "",
        _text,
        "LLM key; empty means the offline responder answers.",
        secret=True,
    )
    openai_base_url: str = setting(
        "OPENAI_BASE_URL", "https://api.openai.com/v1", _http_url, "Any OpenAI-compatible API."
    )
    openai_model: str = setting(
        "OPENAI_MODEL", "gpt-4o-mini", _text, "Chat model name.", empty_is_default=True
    )
    llm_timeout: float = setting(
        "FALSAFA_LLM_TIMEOUT",
        "30",
        _positive_float,
        "Seconds from a chat request to the LLM's first token (comment lines do not count).",
    )
    llm_idle_timeout: float = setting(
        "FALSAFA_LLM_IDLE_TIMEOUT",
        "30",
        _positive_float,
        "Seconds without a new LLM token mid-reply before a 502 event.",
    )
    sse_keepalive: float = setting(
        "FALSAFA_SSE_KEEPALIVE",
        "10",
        _positive_float,
        "Seconds of silence before an SSE `: keep-alive` line.",
    )
    queue: str = setting(
        "FALSAFA_QUEUE", "processing_queue", _name, "Redis list of pending jobs (the spec's name)."
    )
    redis_prefix: str = setting(
        "FALSAFA_REDIS_PREFIX",
        "",
        _optional_name,
        "Prefix of every Redis key: processes share a queue when they share Redis and this "
        "(empty: the spec's names; `scripts/dev.sh` derives one from the store's path).",
    )
    consumers: int = setting(
        "FALSAFA_CONSUMERS", "1", _positive_int, "Job consumers in a worker process."
    )
    job_attempts: int = setting(
        "FALSAFA_JOB_ATTEMPTS", "3", _positive_int, "Attempts per job before it is dead-lettered."
    )
    job_visibility: float = setting(
        "FALSAFA_JOB_VISIBILITY",
        "60",
        _positive_float,
        "Seconds without heartbeat before a job is requeued.",
    )
    job_backoff: float = setting(
        "FALSAFA_JOB_BACKOFF",
        "2",
        _positive_float,
        f"Seconds before the first retry; x{BACKOFF_FACTOR} each retry, "
        f"max {BACKOFF_MAX_SECONDS:g}.",
    )
    job_retry_window: float = setting(
        "FALSAFA_JOB_RETRY_WINDOW",
        "60",
        _non_negative_float,
        "Seconds a job's retries span at least: the backoff is stretched to cover an outage "
        "(0: no floor). A store or Redis outage spends no attempt.",
    )
    text_ttl: int = setting(
        "FALSAFA_TEXT_TTL",
        "604800",
        _positive_int,
        "Seconds an accepted book's text is kept for its job.",
    )
    lock_ttl: float = setting(
        "FALSAFA_LOCK_TTL",
        "30",
        _positive_float,
        "Seconds a chat session lock lives unless renewed.",
    )
    graceful_timeout: float = setting(
        "FALSAFA_GRACEFUL_TIMEOUT",
        "20",
        _positive_float,
        "Seconds to drain on SIGTERM before cancelling.",
    )
    extractor: str = setting(
        "FALSAFA_EXTRACTOR",
        "builtin",
        _choice("builtin", "booknlp"),
        "`builtin` or `booknlp` (needs the extra and models).",
    )
    booknlp_models: Path | None = setting(
        "FALSAFA_BOOKNLP_MODELS", "", _optional_path, "Directory holding BookNLP's model files."
    )
    personas: int = setting(
        "FALSAFA_PERSONAS", "12", _positive_int, "Characters per book that get a persona."
    )

    @property
    def bind_host(self) -> str:
        return self.bind[0]

    @property
    def bind_port(self) -> int:
        return self.bind[1]

    @property
    def offline(self) -> bool:
        """No LLM key: the offline responder answers chat."""
        return not self.openai_api_key

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        values: dict[str, Any] = {}
        for variable in VARIABLES:
            given = env.get(variable.name)
            text = (variable.default if given is None else given).strip()
            if not text and variable.empty_is_default:
                text = variable.default
            try:
                values[variable.attribute] = variable.parse(text)
            except (ValueError, TypeError) as exc:
                raise ConfigError(f"{variable.name}={text!r}: {exc}") from None
        settings = cls(**values)
        # Rules between variables.
        if settings.store == "supabase" and not (settings.supabase_url and settings.supabase_key):
            missing = "SUPABASE_URL" if not settings.supabase_url else "SUPABASE_SERVICE_ROLE_KEY"
            raise ConfigError(f"{missing}: required when FALSAFA_STORE=supabase")
        if not settings.storage_origins and settings.supabase_url:
            origins = frozenset({origin_of(settings.supabase_url)})
            settings = dataclasses.replace(settings, storage_origins=origins)
        return settings


VARIABLES: tuple[Variable, ...] = tuple(
    dataclasses.replace(f.metadata["variable"], attribute=f.name)
    for f in dataclasses.fields(Settings)
)


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
