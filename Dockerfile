# syntax=docker/dockerfile:1
# The Falsafa backend: `falsafa serve`, configured only by environment variables.
#   docker build -t falsafa .                              # the built-in extractor
#   docker build -t falsafa:booknlp --build-arg EXTRAS=booknlp .   # adds BookNLP
#   docker run -p 8000:8000 -e REDIS_URL=... -e FALSAFA_STORE=supabase ... falsafa
# FALSAFA_ROLES=api or worker splits a deployment (see docker-compose.yml).

ARG PYTHON_IMAGE=python:3.11-slim

# -- builder: compilers and headers, in case a dependency has no wheel --------
FROM ${PYTHON_IMAGE} AS builder
ARG EXTRAS=""
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY falsafa ./falsafa
# The package is built as a wheel and installed (not editable) into the venv,
# which is all the final image takes from this stage.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN python -m pip wheel --no-deps --wheel-dir /wheels . \
 && wheel=$(ls /wheels/falsafa-*.whl) \
 && /opt/venv/bin/pip install --no-cache-dir "${wheel}${EXTRAS:+[$EXTRAS]}" \
 && /opt/venv/bin/falsafa config >/dev/null

# -- runtime: the venv and nothing to build with -------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    FALSAFA_BIND=0.0.0.0:8000 \
    FALSAFA_SQLITE_PATH=/var/lib/falsafa/falsafa.sqlite3
# jemalloc: `falsafa serve` preloads it (falsafa.memory) so that memory a
# burst of streams used goes back to the system; without it, glibc's malloc.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libjemalloc2 \
 && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 falsafa \
 && useradd --system --uid 10001 --gid falsafa --home-dir /var/lib/falsafa --create-home \
      --shell /usr/sbin/nologin falsafa
COPY --from=builder /opt/venv /opt/venv
WORKDIR /var/lib/falsafa
USER 10001:10001
EXPOSE 8000
# Liveness: /health answers without touching Redis or the store. A worker-only
# process (FALSAFA_ROLES=worker) serves no HTTP; its liveness is the process.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, sys, urllib.request as u; roles = os.environ.get('FALSAFA_ROLES', 'api,worker'); host, _, port = os.environ.get('FALSAFA_BIND', '0.0.0.0:8000').rpartition(':'); host = host.strip('[]'); host = '127.0.0.1' if host in ('', '0.0.0.0', '::') else host; host = f'[{host}]' if ':' in host else host; sys.exit(0 if 'api' not in roles else u.urlopen(f'http://{host}:{port}/health', timeout=4).status != 200)"]
ENTRYPOINT ["falsafa"]
CMD ["serve"]
