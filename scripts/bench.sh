#!/usr/bin/env bash
# Benchmarks (figures in BENCHMARKS.md). Release builds; a stand-in of their own on port 4600.
# About 15 minutes on 2 cores, most of it loading 210,000 items into the stand-in.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export MOTO_PORT=4600 AWS_ENDPOINT_URL=http://127.0.0.1:4600
scripts/aws-local.sh start
trap 'scripts/aws-local.sh stop' EXIT
cargo build --release -p bench
bench=target/release/bench

echo "== token signing and the redirect's own work (criterion)"
cargo bench -p shared --bench tokens 2>&1 | grep -E "time:|^[a-z]"

echo "== capture: requests and write units"
$bench capture-cost

echo "== report generation (writers + S3 multipart upload) at two sizes"
for rows in 20000 200000; do
  for format in csv pdf; do
    $bench render --rows "$rows" --format "$format"
  done
done

echo "== exports end to end through the stand-in (2,000 records)"
$bench load --job bench-2k --individuals 100 --records 2000
for format in csv pdf; do
  $bench export --job bench-2k --format "$format"
done

echo "== list route: 10,000 individuals, 200,000 first-access records"
$bench load --job bench-200k --individuals 10000 --records 200000
$bench list --job bench-200k
