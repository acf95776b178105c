#!/usr/bin/env bash
# The HTTP benchmarks of BENCHMARKS.md ("Through the dev server"): a stand-in and a release dev
# server of their own (the same programs `make dev` runs), data loaded straight into its table
# (BatchWriteItem), and every figure measured over HTTP against the dev server. About 10 minutes
# on 2 cores after the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export MOTO_PORT=4601 AWS_ENDPOINT_URL=http://127.0.0.1:4601 PORT=3101
export TABLE_NAME=planroom-activity-bench-dev BUCKET_NAME=planroom-activity-bench-dev-exports
export BENCH_TABLE="$TABLE_NAME" RUST_LOG=warn
scripts/aws-local.sh stop
scripts/aws-local.sh start
cargo build --release -p devserver -p bench
target/release/devserver >.local/bench-dev.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; scripts/aws-local.sh stop' EXIT
base="http://127.0.0.1:$PORT"
# Ready once it answers at all (a 404 of an unknown route will do).
for _ in $(seq 1 150); do
  if curl -s -o /dev/null "$base/ready"; then break; fi
  sleep 0.2
done
bench=target/release/bench

echo "== a first-access tracked click against a one-item read (GET /v1/jobs/{id}); a click until the Activity tab shows it"
$bench http-click-latency --base "$base" --samples 40

echo "== first-access latency as the table grows"
$bench http-latency --base "$base" --samples 200 --label "empty"
$bench load --job fill-20k --individuals 1000 --records 19000
sleep 5 # the dev server's stream follower reads the loaded items' records first
$bench http-latency --base "$base" --samples 200 --label "20,000 items"
$bench load --job bench-200k --individuals 10000 --records 200000
sleep 20
$bench http-latency --base "$base" --samples 200 --label "230,000 items"

echo "== a page of 50 of the Activity tab: 10,000 individuals, 200,000 records"
$bench http-page --base "$base" --job bench-200k

echo "== 32 concurrent clients, 1,500 first accesses"
$bench http-concurrent --base "$base" --clients 32 --total 1500

echo "== an export of 20,000 rows, end to end (POST, worker, GET until ready, download)"
$bench load --job bench-export --individuals 1000 --records 20000
sleep 5
$bench http-export --base "$base" --job bench-export --format csv
$bench http-export --base "$base" --job bench-export --format pdf
