#!/usr/bin/env bash
# The README's test command (`npm run test:all`), and what .ci/run calls: installs what the tests need (a
# browser, the npm packages when the lockfile changed), then lint, typecheck, formatting, the CI workflow's
# lint, the unit and integration tests (`npm test`) and the end-to-end suite (`npm run test:e2e`).
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1

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

echo "== lint, typecheck, formatting, the CI workflow"
npm run -s lint
npm run -s typecheck
npm run -s format:check
npm run -s lint:workflow

echo "== unit and integration tests"
npm test

npm run -s test:e2e
