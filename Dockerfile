# MotoTrack API / worker image.
#   docker build -t mototrack .
# The same image runs `mototrack serve` (api) and `mototrack worker` (worker); see docker-compose.yml.

# ---- stage 1: build the PWA -------------------------------------------------
FROM node:20-slim AS pwa
WORKDIR /src
COPY pwa/package.json pwa/package-lock.json pwa/
# `npm ci` when the lock file is complete; otherwise install from it without rewriting it.
RUN cd pwa && (npm ci --no-audit --no-fund --loglevel=error \
      || npm install --no-save --no-audit --no-fund --loglevel=error)
# The PWA build reads its strings from the backend's Babel catalogs.
COPY backend/locale backend/locale
COPY pwa pwa
RUN cd pwa && npm run build

# ---- stage 2: the Python application ----------------------------------------
FROM python:3.11-slim AS app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MOTOTRACK_DATA_DIR=/data \
    MOTOTRACK_DATABASE_URL=sqlite+aiosqlite:////data/mototrack.db
WORKDIR /app

# PDFs (WeasyPrint) need Pango, HarfBuzz and fontconfig; Thai documents need Thai fonts (Laksaman, Loma, Garuda... of
# fonts-thai-tlwg, named in backend/templates/billing/documents.css) and libthai for Thai line breaking between words;
# `mototrack backup` / `restore` against PostgreSQL run pg_dump / pg_restore (postgresql-client).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libthai0 fontconfig \
        fonts-thai-tlwg fonts-dejavu-core \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache -f

# Dependencies first (cached while pyproject.toml is unchanged): install against a stub package.
COPY pyproject.toml ./
RUN mkdir backend && touch backend/__init__.py \
    && pip install -e . \
    && rm -rf backend

COPY . .
COPY --from=pwa /src/pwa/dist pwa/dist
# Re-register the editable install against the real sources (no downloads: dependencies are present).
RUN pip install --no-deps -e . \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin mototrack \
    && mkdir -p /data && chown mototrack /data

USER mototrack
VOLUME ["/data"]
EXPOSE 8000
CMD ["sh", "-c", "mototrack migrate && exec mototrack serve --host 0.0.0.0 --port 8000"]
