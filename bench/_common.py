"""Process helpers shared by the service benchmarks (chat relay, ingestion,
processing endpoint, loop health).

Usage::

    with Bench() as bench:                          # a temp dir; every process is stopped on exit
        redis = bench.redis()                       # private redis-server on a free port
        llm = bench.openai_peer(tokens=200, rate=50, first_token_delay=0.05)
        service = bench.service(redis_url=redis, openai_url=llm, roles="api")
        cpu_seconds(service.pid), rss_bytes(service.pid)

Peers, service and load generator are separate processes: the peers are
``python -m tests.peers.*``, the service is ``falsafa serve`` configured by
environment (embedded SQLite store, the private Redis, the OpenAI peer), and
the load generator is the benchmark script itself. Each process gets a raised
file-descriptor limit. Figures are read from ``/proc`` (CPU time, RSS), so
nothing beyond the standard library is needed to measure.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "REPO",
    "SHARED",
    "Bench",
    "Proc",
    "cpu_seconds",
    "descendants",
    "free_port",
    "machine",
    "percentile",
    "raise_nofile",
    "rss_bytes",
    "tree_rss_bytes",
]

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FALSAFA_SHARED_DIR", REPO.parent / "shared"))
_CLK_TCK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


def raise_nofile(wanted: int = 65536) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(wanted, hard) if hard != resource.RLIM_INFINITY else wanted
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK


def rss_bytes(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (FileNotFoundError, ProcessLookupError):
        return 0


def descendants(pid: int) -> list[int]:
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            tids = os.listdir(f"/proc/{current}/task")
        except FileNotFoundError:
            continue
        for tid in tids:
            try:
                kids = Path(f"/proc/{current}/task/{tid}/children").read_text().split()
            except FileNotFoundError:
                continue
            for kid in kids:
                found.append(int(kid))
                todo.append(int(kid))
    return found


def tree_rss_bytes(pid: int) -> tuple[int, int]:
    """(RSS of the process plus all its descendants, largest single process)."""
    sizes = [rss_bytes(p) for p in (pid, *descendants(pid))]
    return sum(sizes), max(sizes)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * q // 100)))
    return ordered[int(rank) - 1]


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with contextlib.suppress(OSError):
        match = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        mem_kb = int(match.group(1)) if match else 0
    return (
        f"nproc={os.cpu_count()} cpu={model!r} mem={mem_kb / 1024 / 1024:.1f}GiB "
        f"python={platform.python_version()}"
    )


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _limits() -> None:
    raise_nofile()


def _wait_http(url: str, proc: Proc, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited early:\n{proc.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status < 500:
                    return
        except OSError as exc:
            if getattr(exc, "code", 0) and exc.code < 500:  # type: ignore[attr-defined]
                return
        time.sleep(0.05)
    raise RuntimeError(f"{proc.name} did not answer {url} within {timeout}s")


@dataclass
class Bench:
    """A temporary directory and the processes started in it (stopped on exit)."""

    keep: bool = False
    dir: Path = field(init=False)
    procs: list[Proc] = field(default_factory=list)

    def __enter__(self) -> Bench:
        raise_nofile()
        self.dir = Path(tempfile.mkdtemp(prefix="falsafa-bench-"))
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"kept {self.dir}", file=sys.stderr)

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None, cwd: Path = REPO
    ) -> Proc:
        log = self.dir / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(
                argv,
                cwd=cwd,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=_limits,
            )
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc, timeout: float = 15) -> None:
        if proc.popen.poll() is None:
            proc.popen.send_signal(signal.SIGTERM)
            try:
                proc.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.popen.kill()
                proc.popen.wait(5)
        if proc in self.procs:
            self.procs.remove(proc)

    def redis(self) -> str:
        port = free_port()
        argv = [
            shutil.which("redis-server") or "redis-server",
            "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.dir), "--maxclients", "10000",
        ]  # fmt: skip
        proc = self.start("redis", argv)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                proc.url = f"redis://127.0.0.1:{port}/0"
                return proc.url
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start:\n{proc.log_text()}")

    def openai_peer(
        self, *, tokens: int, rate: float, first_token_delay: float, name: str = "llm"
    ) -> str:
        port = free_port()
        argv = [
            sys.executable, "-m", "tests.peers.openai", "--port", str(port),
            "--tokens", str(tokens), "--token-rate", str(rate),
            "--first-token-delay", str(first_token_delay),
        ]  # fmt: skip
        proc = self.start(name, argv)
        proc.url = f"http://127.0.0.1:{port}/v1"
        _wait_http(f"http://127.0.0.1:{port}/v1/models", proc, 20)
        return proc.url

    def storage_peer(self, directory: Path, bucket: str = "books") -> str:
        port = free_port()
        argv = [
            sys.executable, "-m", "tests.peers.storage", "--port", str(port),
            "--dir", str(directory), "--bucket", bucket,
        ]  # fmt: skip
        proc = self.start("storage", argv)
        proc.url = f"http://127.0.0.1:{port}"
        _wait_http(f"{proc.url}/storage/v1/object/public/{bucket}/-", proc, 20)
        return proc.url

    def service(
        self,
        *,
        redis_url: str,
        sqlite_path: Path,
        roles: str = "api,worker",
        openai_url: str | None = None,
        storage_origin: str | None = None,
        extra_env: dict[str, str] | None = None,
        name: str = "service",
    ) -> Proc:
        port = free_port()
        env = {
            "FALSAFA_BIND": f"127.0.0.1:{port}",
            "FALSAFA_ROLES": roles,
            "FALSAFA_STORE": "sqlite",
            "FALSAFA_SQLITE_PATH": str(sqlite_path),
            "REDIS_URL": redis_url,
            "FALSAFA_LOG_LEVEL": "INFO",
            "OPENAI_API_KEY": "bench" if openai_url else "",
            "OPENAI_BASE_URL": openai_url or "https://api.openai.com/v1",
            "FALSAFA_STORAGE_ORIGINS": storage_origin or "",
            **(extra_env or {}),
        }
        falsafa = Path(sys.executable).with_name("falsafa")
        argv = [str(falsafa)] if falsafa.exists() else [sys.executable, "-m", "falsafa.cli"]
        proc = self.start(name, [*argv, "serve"], env)
        proc.url = f"http://127.0.0.1:{port}"
        _wait_http(f"{proc.url}/health", proc, 30)
        return proc


def log_records(proc: Proc, message: str) -> list[dict[str, object]]:
    """The service's JSON log lines whose ``msg`` is ``message``."""
    found = []
    for line in proc.log_text().splitlines():
        if f'"{message}"' not in line:
            continue
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if record.get("msg") == message:
                found.append(record)
    return found


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)
