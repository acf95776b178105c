#!/usr/bin/env bash
# The User Activity dataset at scale (figures in BENCHMARKS.md): loads a planroom's 31-day window
# of ROWS rows (default 1,000,000) straight into a stand-in of its own (port 4601), then counts what
# a page of 100 unfiltered, one filtered by user_email and a grouping by event_type cost, and runs
# the CSV export of the whole window through the worker. About 45 minutes on 2 cores for 1,000,000
# rows, most of it the stand-in storing and reading them one request at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export MOTO_PORT=4601 AWS_ENDPOINT_URL=http://127.0.0.1:4601
rows=${ROWS:-1000000}
scripts/aws-local.sh start
trap 'scripts/aws-local.sh stop' EXIT
cargo build --release -p bench
bench=target/release/bench

echo "== load $rows rows (BatchWriteItem, as the service writes them)"
/usr/bin/time -f "elapsed=%e s peak_rss=%M KiB" $bench load-activity --rows "$rows"
echo "== reads of the 31-day window: requests, items read, read units"
$bench activity-cost --rows "$rows"
echo "== the CSV export of the whole window through the worker"
/usr/bin/time -f "elapsed=%e s peak_rss=%M KiB" $bench activity-export
