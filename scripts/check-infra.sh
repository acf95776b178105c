#!/usr/bin/env bash
# Template checks: cfn-lint, and the local table definition equals the template's.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/aws-local.sh install >/dev/null
.venv/bin/cfn-lint infra/template.yaml
cargo run --quiet -p devserver -- table-definition >.local/table-definition.json
.venv/bin/python scripts/check_infra.py .local/table-definition.json
