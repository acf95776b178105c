#!/usr/bin/env bash
# Template checks: cfn-lint, checkov, the local table definition equals the template's, and the
# dev server, the template and infra/openapi.yaml list the same routes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/aws-local.sh install >/dev/null
.venv/bin/cfn-lint infra/template.yaml
scripts/checkov.sh
cargo build --quiet -p devserver
target/debug/devserver table-definition >.local/table-definition.json
target/debug/devserver routes >.local/routes.json
target/debug/devserver time-zones >.local/time-zones.json
target/debug/devserver cors >.local/cors.json
target/debug/devserver principals >.local/principals.json
target/debug/devserver lake-columns >.local/lake-columns.json
.venv/bin/python scripts/check_infra.py .local/table-definition.json .local/routes.json .local/cors.json .local/principals.json .local/lake-columns.json
.venv/bin/python -m unittest discover -s scripts -p 'test_*.py' 2>&1 | tail -n 3
.venv/bin/python scripts/check_openapi.py .local/routes.json .local/time-zones.json
