# syntax=docker/dockerfile:1
# One image for the four services: `serve SERVICE` (or SERVICE=...) and `migrate [SERVICE ...]`.

# Build stage: wheels for the pinned dependencies and the project, with the build tools they need.
FROM python:3.11.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN apt-get update && apt-get install --no-install-recommends -y build-essential=12.9 \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.lock ./
RUN pip wheel --wheel-dir /wheels -r requirements.lock
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip wheel --no-deps --wheel-dir /wheels .

# Final stage: the wheels installed into a slim base, no compilers, a non-root user.
FROM python:3.11.11-slim-bookworm AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    JOINTSUP_HOST=0.0.0.0 JOINTSUP_DATA_DIR=/tmp/jointsup NOTIFY_OUTBOX_DIR=/tmp/jointsup/notify-outbox
RUN useradd --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin jointsup
COPY --from=build /wheels /wheels
RUN pip install --no-index --find-links /wheels jointsup && rm -rf /wheels
COPY deploy/docker/entrypoint.sh /usr/local/bin/jointsup
USER 10001:10001
EXPOSE 8101 8102 8103 8104
ENTRYPOINT ["/usr/local/bin/jointsup"]
CMD ["serve"]
