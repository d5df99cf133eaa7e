#!/usr/bin/env bash
# The README's test command (`npm run test:all`), and what .ci/run calls: installs what the tests need (a
# browser, the npm packages when the lockfile changed), then lint, typecheck, formatting, the CI workflow's
# lint, the unit and integration tests (`npm test`), the end-to-end suite (`npm run test:e2e`) and, with
# PostgreSQL, the same through nginx, two instances and PgBouncer (`npm run test:topology`).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

# The scaled-out topology's nginx and PgBouncer (Debian's packages), when PostgreSQL is there to test it on.
if [[ -n "${TEST_DATABASE_URL:-}" ]] && ! { command -v nginx && command -v pgbouncer; } >/dev/null 2>&1; then
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    echo "== installing Debian's nginx and pgbouncer"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx pgbouncer >/dev/null
  fi
fi

# A browser for Playwright: $CHROMIUM_PATH, Debian's chromium, or Playwright's own download elsewhere.
if [[ -z "${CHROMIUM_PATH:-}" && ! -x /usr/bin/chromium ]]; then
  if command -v apt-get >/dev/null && [[ "$(id -u)" == 0 ]]; then
    echo "== installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "== no /usr/bin/chromium: installing Playwright's chromium"
    npx --yes playwright install chromium
  fi
fi

node scripts/up-to-date.mjs install

echo "== lint, typecheck, formatting, the CI workflow, the Dockerfile"
npm run -s lint
npm run -s typecheck
npm run -s format:check
npm run -s lint:workflow
npm run -s lint:docker

echo "== unit and integration tests"
npm test

npm run -s test:e2e

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
  echo "== the API suite through nginx → 2 instances → PgBouncer (transaction pooling) → PostgreSQL"
  npm run -s test:topology
else
  echo "== the scaled-out topology: SKIPPED (it needs TEST_DATABASE_URL=postgres://…, nginx and pgbouncer)"
fi
