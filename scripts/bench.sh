#!/usr/bin/env bash
# Benchmarks (figures in BENCHMARKS.md). Release builds; a stand-in of their own on port 4600.
# About 15 minutes on 2 cores, most of it loading 315,000 items into the stand-in. The HTTP
# benchmarks through a dev server are scripts/bench-dev.sh.
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

echo "== a job e-mail scanners walked: 5,000 recipients x 20 links, 100 people; items a page reads"
$bench load-scanned --job bench-scanned --recipients 5000 --links 20 --people 100
$bench page-cost --job bench-scanned

echo "== coverage of a big bid: 200 bidders x 30 files in one call"
$bench load-bid --job bench-cov --bidders 200 --files 30
$bench coverage --job bench-cov

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
