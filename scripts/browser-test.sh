#!/usr/bin/env bash
# Browser tests: headless Chromium from Debian's packages, driven by Playwright for Python (own
# venv .venv-browser), against a dev server of their own serving the built web client at /ui/.
# Screenshots land in target/browser-artifacts/.
#
#   scripts/browser-test.sh [pytest options]
#
# Assumes the local AWS stand-in answers (`scripts/aws-local.sh start`), target/debug/devserver is
# built (or DEVSERVER names another build of it) and web/dist is built (scripts/web.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
venv=.venv-browser
scripts/install-tools.sh
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s scripts/requirements-browser.txt "$venv/.requirements"; then
  echo "installing Playwright for Python into $venv (no browser download: Debian's Chromium is used) ..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-browser.txt
  cp scripts/requirements-browser.txt "$venv/.requirements"
fi
for needed in "${DEVSERVER:-target/debug/devserver}" web/dist/index.html; do
  if [ ! -e "$needed" ]; then
    echo "$needed is missing (cargo build -p devserver; scripts/web.sh build)" >&2
    exit 1
  fi
done
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
exec "$venv/bin/pytest" -q -p no:cacheprovider tests/browser "$@"
