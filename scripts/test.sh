#!/usr/bin/env bash
# `make test`: every test — formatting, lints, unit and end-to-end tests, template checks.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export TABLE_NAME=planroom-activity-test
scripts/aws-local.sh start
trap 'scripts/aws-local.sh stop' EXIT

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== infrastructure checks"
scripts/check-infra.sh
echo "== cargo test"
cargo test --workspace --no-fail-fast
