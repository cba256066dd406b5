# The PDCA tracker as a small image: migrates its database, then serves on port 8000.
#   docker build -t pdca-tracker .
#   docker run -p 8000:8000 -v pdca-data:/data pdca-tracker                      # SQLite in /data
#   docker run -p 8000:8000 -e DATABASE_URL=postgresql://... pdca-tracker        # PostgreSQL
# Any other command runs instead of the server, e.g. `docker run ... pdca load-demo`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# An unprivileged user owns only the data directory; the code stays read-only to it.
RUN useradd --system --uid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin pdca \
    && mkdir -p /data \
    && chown pdca:pdca /data

WORKDIR /app

# Install the package (runtime dependencies only) and drop the sources: it runs from site-packages.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install --no-cache-dir . \
    && rm -rf app pyproject.toml README.md build

# `pdca migrate` finds the migrations in ./migrations of the working directory (/app).
COPY migrations ./migrations

ENV DATABASE_URL=sqlite:////data/pdca.db \
    PDCA_LOG_FORMAT=json
VOLUME ["/data"]
USER pdca
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# Migrations first (idempotent), then the server; exec hands PID 1's signals to uvicorn.
CMD ["sh", "-c", "pdca migrate && exec pdca serve --host 0.0.0.0 --port 8000"]
