#!/usr/bin/env bash
# Template checks: cfn-lint, and the local table definition equals the template's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/aws-local.sh install >/dev/null
.venv/bin/cfn-lint infra/template.yaml
cargo build --quiet -p devserver
target/debug/devserver table-definition >.local/table-definition.json
target/debug/devserver routes >.local/routes.json
.venv/bin/python scripts/check_infra.py .local/table-definition.json .local/routes.json
