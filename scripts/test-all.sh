#!/usr/bin/env bash
# The README's test command (`npm run test:all`): install what the tests need on a fresh machine, then run
# lint, typecheck, formatting and the whole suite. .ci/run calls exactly this.
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

echo "== lint, typecheck, formatting"
npm run -s lint
npm run -s typecheck
npm run -s format:check

npm test
