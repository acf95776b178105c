#!/usr/bin/env bash
# `make test`: every test — formatting, lints, unit and end-to-end tests, template checks.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
# The SDK timeouts and request budgets are the production defaults: the patched stand-in keeps up.
# Each end-to-end test makes a table of its own.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
export BUCKET_NAME=planroom-activity-test-exports S3_FORCE_PATH_STYLE=true
scripts/install-tools.sh
scripts/aws-local.sh start
trap 'scripts/aws-local.sh stop' EXIT

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "== infrastructure checks"
scripts/check-infra.sh
echo "== the stand-in: patched moto against stock moto (same answers, contents, streams)"
.venv/bin/python scripts/moto_conformance.py
echo "== cargo test (the function binaries first: the cold-start tests run them)"
cargo build --workspace --bins --quiet
cargo test --workspace --no-fail-fast
echo "== the web client: npm ci (pinned), unit tests (vitest), typed against infra/openapi.yaml, build"
scripts/web.sh
echo "== browser tests: headless Debian Chromium driven by Playwright (screenshots in target/browser-artifacts)"
scripts/browser-test.sh
echo "== schemathesis against the dev server: every check, two seeds"
for seed in 424242 20261125; do
  SCHEMATHESIS_SEED="$seed" scripts/schemathesis.sh
done
echo "== sam validate --lint"
scripts/sam.sh validate
echo "== sam build (cargo-lambda, arm64; the longest step: ~7 minutes clean on 2 cores)"
scripts/sam.sh build
