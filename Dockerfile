# Remodel: one image for every role (bot workers, the one-off migration, the ticker).
# Build:  docker build -t remodel .        Run: see compose.yaml and docs/deploy.md
# Installs the pinned, hash-checked dependencies of requirements.lock, then the app itself.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/remodel
COPY requirements.lock ./
RUN /opt/remodel/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY flows ./flows
COPY content ./content
COPY sandbox ./sandbox
RUN /opt/remodel/bin/pip install --no-deps .

FROM python:3.11-slim
ENV PATH=/opt/remodel/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib
RUN groupadd --system --gid 10001 remodel \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --create-home remodel
COPY --from=build /opt/remodel /opt/remodel
WORKDIR /app
# Numeric, so the host and Kubernetes' runAsNonRoot can tell it is not root.
USER 10001:10001
# 8443: the webhook (behind the TLS proxy); 9100: /healthz and /metrics (private network).
EXPOSE 8443 9100
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:9100/healthz', timeout=4).status != 200)"]
ENTRYPOINT ["remodel"]
CMD ["run", "--ops-port", "9100"]
