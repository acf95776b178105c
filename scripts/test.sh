#!/usr/bin/env bash
# `make test`: every test — formatting, lints, unit and end-to-end tests, template checks.
set -euo pipefail
cd "$(dirname "$0")/.."
# A stand-in of its own (not `make dev`'s on 4599), recording every AWS call it answers, by the
# function that made it, for the deploy rehearsal at the end.
export MOTO_PORT="${MOTO_PORT:-4598}"
. scripts/env.sh
export STAND_IN_CALL_LOG="$PWD/.local/aws-calls.jsonl"
mkdir -p .local && rm -f "$STAND_IN_CALL_LOG"
# The SDK timeouts and request budgets are the production defaults: the patched stand-in keeps up.
# Each end-to-end test makes a table of its own.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
export BUCKET_NAME=planroom-activity-test-exports S3_FORCE_PATH_STYLE=true
# On CI (a fresh clone on a disk of unknown size, `CI` set by .ci/run) nothing is kept for a next
# run: no incremental state (2 GB), no pip cache, and the debug build goes before the release build.
case "${CI:-}" in "" | false | 0) ci="" ;; *) ci=1 ;; esac
if [ -n "$ci" ]; then
  export CARGO_INCREMENTAL=0 PIP_NO_CACHE_DIR=1
fi
disk() { echo "disk: $(df -h --output=avail . | tail -1 | tr -d ' ') free, target $(du -sh target 2>/dev/null | cut -f1)"; }
disk
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
if [ -n "$ci" ]; then
  disk
  echo "== CI: the debug build has served its last test; its room goes to SAM and the release build"
  rm -rf target/debug
fi
disk
echo "== sam validate --lint"
scripts/sam.sh validate
echo "== sam build (cargo-lambda, arm64; the longest step: ~8 minutes clean on 2 cores)"
scripts/sam.sh build
echo "== deploy rehearsal: the README's sam deploy against the stand-in, then what AWS would check (bootstraps, resources, every recorded call against its function's role)"
scripts/deploy-rehearsal.sh
disk
