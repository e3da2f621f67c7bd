# MotoTrack — developer and CI entry points.
#
#   make run      set up (venv, dependencies, PWA), migrate, load demo data, serve on http://127.0.0.1:8000
#   make test     set up plus test dependencies (Chromium, playwright), build the PWA, run the whole suite
#
# Everything is idempotent: stamp files keep repeated runs quick.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

MOTOTRACK := $(BIN)/mototrack
INSTALL_STAMP := $(VENV)/.mototrack-install.stamp
TESTDEPS_STAMP := $(VENV)/.mototrack-testdeps.stamp
# -qq: only errors (quiet, and no noise from local index mirrors that are absent)
PIP := $(BIN)/python -m pip --disable-pip-version-check -qq

CHROMIUM ?= /usr/bin/chromium
IS_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo yes)
HAVE_NPM := $(shell command -v npm >/dev/null 2>&1 && echo yes)

# The PWA is rebuilt only when something under pwa/ (outside node_modules and dist) changed.
PWA_SOURCES := $(shell [ -d pwa ] && find pwa \( -path pwa/node_modules -o -path pwa/dist -o -path pwa/dev-dist -o -path pwa/src/generated \) -prune -o -type f -print 2>/dev/null)
# po2json turns the backend's Babel catalogs into the PWA's messages at build time.
PWA_SOURCES += $(wildcard backend/locale/*/LC_MESSAGES/*.po)
PWA_SOURCES += schema.graphql $(wildcard docs/*.md)  # the API guide at /docs is built with the app
PWA_SOURCES += $(wildcard docs/help/*/*.md)  # and the user guide at /help (its pictures: tests/e2e/test_help_screens.py)
PWA_LOCK := $(firstword $(wildcard pwa/package-lock.json) $(wildcard pwa/package.json))

.PHONY: help install fonts pwa run serve migrate seed-demo test test-deps schema audit fuzz bench clean

help:
	@echo "make run        set up and start MotoTrack (SQLite under ./data, demo data) on http://$(HOST):$(PORT)"
	@echo "make test       run the whole test suite (SQLite, plus PostgreSQL/Redis via TEST_DATABASE_URL/TEST_REDIS_URL)"
	@echo "make install    create $(VENV) and install the backend with its dev extras"
	@echo "make pwa        build the PWA into pwa/dist (npm ci && npm run build)"
	@echo "make schema     export the GraphQL schema to schema.graphql"
	@echo "make audit      run the graphql-http server audits against a throwaway server"
	@echo "make bench      measure requests/s and latency of two queries with wrk"
	@echo "make fuzz       schemathesis (GraphQL mode, seeded) over every operation against a throwaway demo server"

# ---------------------------------------------------------------- install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALL_STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing mototrack[dev] into $(VENV)"
	$(PIP) install --upgrade pip
	$(PIP) install -e '.[dev]'
	@touch $@

install: $(INSTALL_STAMP)

# Thai fonts for the PDF documents (WeasyPrint renders with the system's fonts through Pango/HarfBuzz, which
# place Thai tone marks correctly when a font with Thai glyphs is there; without one Thai shows as boxes).
fonts:
	@if ! fc-list :lang=th family 2>/dev/null | grep -q .; then \
	  if [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing Thai fonts for documents (fonts-thai-tlwg, apt-get)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq; \
	    apt-get install -y -qq fontconfig fonts-thai-tlwg >/dev/null; \
	  else \
	    echo "warning: no font with Thai glyphs found and cannot install one (not root or no apt-get);" \
	         "install fonts-thai-tlwg (or any Thai font) so Thai PDFs render" >&2; \
	  fi; \
	fi

# Test-only extras: the playwright Python package (driving Debian's Chromium through
# executable_path; `playwright install` is never run) and Chromium itself with Thai fonts.
$(TESTDEPS_STAMP): $(INSTALL_STAMP)
	@echo "==> installing test dependencies"
	$(PIP) install playwright
	@touch $@

test-deps: $(TESTDEPS_STAMP) fonts
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing chromium and fonts-thai-tlwg (apt-get)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq; \
	    apt-get install -y -qq chromium fonts-thai-tlwg >/dev/null; \
	  else \
	    echo "warning: $(CHROMIUM) is missing and cannot be installed (not root or no apt-get); browser tests will not run" >&2; \
	  fi; \
	fi
	@if ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$(IS_ROOT)" = yes ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "==> installing poppler-utils (pdftotext, pdftoppm: the PDF text and page checks, apt-get)"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq; \
	    apt-get install -y -qq poppler-utils >/dev/null; \
	  else \
	    echo "warning: pdftotext is missing and cannot be installed; the PDF checks that use it will be skipped" >&2; \
	  fi; \
	fi

# ---------------------------------------------------------------- PWA

ifeq ($(HAVE_NPM),yes)
ifneq ($(PWA_LOCK),)
pwa/node_modules/.package-lock.json: $(PWA_LOCK)
	@echo "==> installing PWA dependencies"
	@log=$$(mktemp); cd pwa && if [ ! -f package-lock.json ]; then \
	  npm install --no-audit --no-fund --loglevel=error; \
	elif ! npm ci --no-audit --no-fund --loglevel=error 2>"$$log"; then \
	  echo "note: 'npm ci' refused the lock file (see below); installing with 'npm install --no-save' instead" >&2; \
	  grep -m 3 -E "error (Missing|Invalid)|in sync" "$$log" >&2 || true; \
	  npm install --no-save --no-audit --no-fund --loglevel=error; \
	fi; rm -f "$$log"
	@touch $@

pwa/dist/index.html: pwa/node_modules/.package-lock.json $(PWA_SOURCES)
	@echo "==> building the PWA"
	cd pwa && npm run build
	@touch $@

pwa: pwa/dist/index.html
else
pwa:
	@echo "note: pwa/package.json not found; skipping the PWA build"
endif
else
pwa:
	@echo "note: npm not found; skipping the PWA build (the API still runs; install Node.js 20 for the web app)"
endif

# ---------------------------------------------------------------- run

migrate: $(INSTALL_STAMP)
	$(MOTOTRACK) migrate

seed-demo: migrate
	$(MOTOTRACK) seed-demo

serve: $(INSTALL_STAMP)
	$(MOTOTRACK) serve --host $(HOST) --port $(PORT)

run: $(INSTALL_STAMP) fonts pwa
	$(MOTOTRACK) migrate
	$(MOTOTRACK) seed-demo
	$(MOTOTRACK) serve --host $(HOST) --port $(PORT)

# ---------------------------------------------------------------- test

# PostgreSQL and Redis are used when reachable at these URLs (override them, or set them
# empty to run on SQLite only); MOTOTRACK_REQUIRE_SERVICES=1 makes an unreachable one fail.
test: export TEST_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
test: export TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# with TEST_STREAMS=2 (opt-in) .ci/pytest-streams runs a second pytest process (browser tests and SQLite variants)
# beside the PostgreSQL one; it has a Redis database of its own
test: export TEST_SQLITE_STREAM_REDIS_URL ?= redis://127.0.0.1:6379/14
test: test-deps pwa
	@echo "==> pytest (TEST_DATABASE_URL=$${TEST_DATABASE_URL:-<unset>} TEST_REDIS_URL=$${TEST_REDIS_URL:-<unset>})"
	.ci/pytest-streams $(BIN)/pytest $(PYTEST_ARGS)

# ---------------------------------------------------------------- tools

schema: $(INSTALL_STAMP)
	$(MOTOTRACK) export-schema --output schema.graphql

audit: $(INSTALL_STAMP)
	tools/graphql-http-audit/run.sh

# At least FUZZ_CASES generated cases (seeded by FUZZ_SEED) over every query and mutation, signed in as the demo
# admin; fails on any 5xx or masked internal error.
FUZZ_CASES ?= 1000
FUZZ_SEED ?= 20261203
fuzz: $(INSTALL_STAMP)
	$(BIN)/python tools/fuzz/run.py --cases $(FUZZ_CASES) --seed $(FUZZ_SEED)

bench: $(INSTALL_STAMP)
	bench/run.sh

clean:
	rm -f $(INSTALL_STAMP) $(TESTDEPS_STAMP)
	rm -rf pwa/dist
