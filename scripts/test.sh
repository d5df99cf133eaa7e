#!/usr/bin/env bash
# `npm test`: everything, in order: unit and integration tests, the production build, then the Playwright
# suite against `next start` on SQLite and, when TEST_DATABASE_URL is set, again on PostgreSQL.
# Each step is a named npm script, the same ones .github/workflows/ci.yml runs (test/workflow.test.ts checks).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

echo "== unit and integration tests"
npm run -s test:unit

echo "== production build"
npm run -s build

echo "== end-to-end suite on SQLite"
npm run -s test:e2e:sqlite

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  echo "== end-to-end suite on PostgreSQL"
  npm run -s test:e2e:postgres
else
  echo "== end-to-end suite on PostgreSQL: SKIPPED (set TEST_DATABASE_URL=postgres://… to run it)"
fi
