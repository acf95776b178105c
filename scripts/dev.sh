#!/usr/bin/env bash
# `make dev`: the whole service locally. Ctrl-C stops the dev server and the stand-in it started.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
scripts/aws-local.sh start
trap 'scripts/aws-local.sh stop' EXIT
cargo build -p devserver
scripts/web.sh build
RUST_LOG="${RUST_LOG:-info}" target/debug/devserver
