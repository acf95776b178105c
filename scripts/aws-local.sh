#!/usr/bin/env bash
# The local AWS stand-in: moto's server (DynamoDB, DynamoDB Streams, S3) on 127.0.0.1.
#   scripts/aws-local.sh install   create .venv and install the pinned tools
#   scripts/aws-local.sh start     install if needed, start, wait until it answers
#   scripts/aws-local.sh stop      stop the server this script started
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
state=.local
mkdir -p "$state"
pidfile="$state/moto-$MOTO_PORT.pid"

install() {
  if [ ! -x .venv/bin/moto_server ] || ! cmp -s scripts/requirements.txt .venv/.requirements; then
    echo "installing the local AWS stand-in into .venv ..."
    python3 -m venv .venv
    .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
    cp scripts/requirements.txt .venv/.requirements
  fi
}

answers() {
  python3 - "$AWS_ENDPOINT_URL" <<'PY'
import sys, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)
except Exception:
    sys.exit(1)
PY
}

start() {
  install
  if answers; then
    echo "local AWS stand-in already answers on $AWS_ENDPOINT_URL"
    return
  fi
  # AWS managed policies (AWSLambdaBasicExecutionRole, ...) exist, as roles attach them.
  MOTO_IAM_LOAD_MANAGED_POLICIES=true .venv/bin/python scripts/moto_server.py 127.0.0.1 "$MOTO_PORT" >"$state/moto-$MOTO_PORT.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 100); do
    if answers; then
      echo "local AWS stand-in on $AWS_ENDPOINT_URL (log: $state/moto-$MOTO_PORT.log)"
      return
    fi
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "the local AWS stand-in did not start; its log:" >&2
  cat "$state/moto-$MOTO_PORT.log" >&2
  exit 1
}

stop() {
  if [ -f "$pidfile" ]; then
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
