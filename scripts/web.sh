#!/usr/bin/env bash
# The reference web client (web/): installs its pinned npm packages (package-lock.json) when they
# changed, type-checks it against infra/openapi.yaml (the typed client is generated from it), runs
# its unit tests and builds web/dist, which the dev server serves at /ui/ and which can be copied
# as static files to S3/CloudFront.
#   scripts/web.sh          install if needed, test, build
#   scripts/web.sh build    install if needed, build (what `make dev` needs)
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock.json.installed; then
  echo "installing the web client's npm packages (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.package-lock.json.installed
fi
if [ "${1:-all}" != build ]; then
  npm test --silent
fi
npm run build --silent
