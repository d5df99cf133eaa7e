#!/usr/bin/env bash
# `npm run test:e2e:postgres`: the Playwright suite against the PostgreSQL server at $TEST_DATABASE_URL, in a
# schema of this run's own (the e2e server drops it before and after), so other data there is never touched.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${TEST_DATABASE_URL:-}" ]]; then
  echo "TEST_DATABASE_URL is not set; set it to postgres://user[:password]@host:port/database" >&2
  exit 1
fi
separator='?'; [[ "$TEST_DATABASE_URL" == *\?* ]] && separator='&'
E2E_DATABASE_URL="${TEST_DATABASE_URL}${separator}schema=e2e_$$" exec npx playwright test "$@"
