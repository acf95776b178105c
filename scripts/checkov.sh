#!/usr/bin/env bash
# checkov (pinned in scripts/requirements-checkov.txt, own venv .venv-checkov) on the SAM template.
# Every finding is fixed or suppressed next to its resource (Metadata.checkov.skip) with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-checkov
if [ ! -x "$venv/bin/checkov" ] || ! cmp -s scripts/requirements-checkov.txt "$venv/.requirements"; then
  echo "installing checkov into $venv ..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-checkov.txt
  cp scripts/requirements-checkov.txt "$venv/.requirements"
fi
# --skip-download: no calls to Prisma Cloud for guideline links (there is no network here, nor in CI).
"$venv/bin/checkov" -f infra/template.yaml --framework cloudformation --compact --quiet --skip-download "$@"
