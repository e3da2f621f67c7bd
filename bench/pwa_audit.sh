#!/usr/bin/env sh
# Lighthouse + installability + JS before the first screen, against a fresh seeded server (by hand, not make test).
#   bench/pwa_audit.sh [BUILD_DIR]     (default pwa/dist; build it first: cd pwa && npm run build)
# Pages: sign-in, the technician's jobs, and signed in as the site manager the board and a job card (every category >= 95).
set -e
cd "$(dirname "$0")/.."
[ -x tools/lighthouse/node_modules/.bin/lighthouse ] || (cd tools/lighthouse && npm install --no-audit --no-fund)
exec .venv/bin/python bench/pwa_audit.py --dist "${1:-pwa/dist}" --json bench/results/pwa_audit.json
