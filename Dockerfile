# Minimal image for every service (SERVICE=complaints|cases|credit|notify).
# Issue 7 turns this into the multi-stage build with a pinned lock.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 JOINTSUP_HOST=0.0.0.0
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared ./shared
COPY services ./services
RUN pip install --no-cache-dir . && useradd --uid 10001 --no-create-home jointsup
USER 10001
CMD ["sh", "-c", "exec python -m services.${SERVICE:?set SERVICE}"]
