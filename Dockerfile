# SealHub hub image. Two stages: `build` installs the project and its dependencies into a
# virtualenv (compilers available for any dependency without a wheel); `runtime` copies
# only that virtualenv onto a clean slim Python, runs as an unprivileged user, and has no
# compiler, no pip cache and no source tree.
#
#   docker build -t sealhub:0.1.0 .
#   docker run --rm -e DATABASE_URL=postgres://... -e SEALHUB_MASTER_KEY=... sealhub:0.1.0 migrate
#   docker run -p 8000:8000 -e DATABASE_URL=postgres://... -e SEALHUB_MASTER_KEY=... sealhub:0.1.0
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/sealhub
WORKDIR /src
# Only what the package needs (see .dockerignore): the image never contains tests,
# benchmarks, local databases or keys.
COPY pyproject.toml README.md piccolo_conf.py ./
COPY hub ./hub
COPY tenants ./tenants
COPY adapters ./adapters
COPY monitoring ./monitoring
RUN /opt/sealhub/bin/pip install --upgrade pip setuptools wheel \
 && /opt/sealhub/bin/pip install . \
 && /opt/sealhub/bin/python -m compileall -q /opt/sealhub/lib

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="SealHub" \
      org.opencontainers.image.description="Multi-tenant electronic seal (GB/T 38540, SM2/SM3) provider hub" \
      org.opencontainers.image.licenses="Apache-2.0"
# uid/gid 10001 match the helm chart's podSecurityContext.
RUN groupadd --system --gid 10001 sealhub \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin sealhub \
 && mkdir -p /var/run/sealhub \
 && chown 10001:10001 /var/run/sealhub
COPY --from=build /opt/sealhub /opt/sealhub
ENV PATH=/opt/sealhub/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SEALHUB_HOST=0.0.0.0 \
    SEALHUB_PORT=8000 \
    SEALHUB_DATA_DIR=/var/run/sealhub/data
# Works with a read-only root filesystem: only /tmp and /var/run/sealhub are written.
WORKDIR /var/run/sealhub
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=2)"]
# `migrate` is a separate command (the chart runs it as a Job); the default serves with
# two workers, whose metrics `sealhub serve` aggregates through a directory under /tmp.
ENTRYPOINT ["sealhub"]
CMD ["serve", "--workers", "2"]
