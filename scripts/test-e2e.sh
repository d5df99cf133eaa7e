#!/usr/bin/env bash
# `npm run test:e2e`: the Playwright suite against the production server (`npm start`) on SQLite and, when
# TEST_DATABASE_URL is set, again on PostgreSQL. Builds first when the build is missing or older than the code.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

node scripts/up-to-date.mjs build

echo "== end-to-end suite on SQLite"
npm run -s test:e2e:sqlite -- "$@"

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  echo "== end-to-end suite on PostgreSQL"
  npm run -s test:e2e:postgres -- "$@"
else
  echo "== end-to-end suite on PostgreSQL: SKIPPED (set TEST_DATABASE_URL=postgres://… to run it)"
fi
