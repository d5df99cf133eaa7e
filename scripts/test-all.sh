#!/usr/bin/env bash
# The README's test command (`npm run test:all`): install what the tests need on a fresh machine, then run
# lint, typecheck, formatting, the workflow lint and the whole suite. .ci/run calls exactly this, and
# .github/workflows/ci.yml runs the same npm scripts in the same order (test/workflow.test.ts checks).
set -euo pipefail
cd "$(dirname "$0")/.."

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

echo "== npm ci"
npm ci --no-audit --no-fund

echo "== lint, typecheck, formatting, the CI workflow"
npm run -s lint
npm run -s typecheck
npm run -s format:check
npm run -s lint:workflow

npm test
