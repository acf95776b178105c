#!/usr/bin/env bash
# Property-based API tests: schemathesis generates requests from infra/openapi.yaml and checks the
# dev server's answers against it (no 5xx, documented statuses, content types, headers, schemas).
#
#   scripts/schemathesis.sh [extra schemathesis options]
#
# Assumes the local AWS stand-in answers (`scripts/aws-local.sh start`) and target/debug/devserver
# is built. Starts the dev server on a free port of 127.0.0.1 with its own table and bucket (the
# table is reset first: runs are reproducible), seeds a planroom, a job, events, a blast, a contact
# session and an export (the ids of the document's examples), runs schemathesis with a fixed seed,
# and stops the dev server on exit. Only 127.0.0.1 is ever contacted (redirects are not followed).
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 40 per operation and phase), SCHEMATHESIS_SEED (default
# 20261125), SCHEMATHESIS_WORKERS (default 1), SCHEMATHESIS_PHASES (default examples,coverage,fuzzing),
# SCHEMATHESIS_CHECKS (default all; tuning in scripts/schemathesis.toml), RUST_LOG (dev server, default info),
# DEV_JWT_SECRET (default the dev server's).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
venv=.venv-schemathesis
state=.local
mkdir -p "$state"

if [ ! -x "$venv/bin/schemathesis" ] || ! cmp -s scripts/requirements-schemathesis.txt "$venv/.requirements"; then
  echo "installing schemathesis into $venv ..."
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-schemathesis.txt
  cp scripts/requirements-schemathesis.txt "$venv/.requirements"
fi
if [ ! -x target/debug/devserver ]; then
  echo "target/debug/devserver is not built (cargo build -p devserver)" >&2
  exit 1
fi
if ! python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + '/moto-api/', timeout=2)" \
  "$AWS_ENDPOINT_URL" 2>/dev/null; then
  echo "the local AWS stand-in does not answer on $AWS_ENDPOINT_URL (scripts/aws-local.sh start)" >&2
  exit 1
fi

# A table and bucket of its own, so generated jobs and exports never mix with `make dev` data.
export TABLE_NAME=planroom-activity-schemathesis
export BUCKET_NAME=planroom-activity-exports-schemathesis
export DEV_JWT_SECRET="${DEV_JWT_SECRET:-planroom-dev-secret}"
if [ -x .venv/bin/python ]; then
  .venv/bin/python - <<'PY'
import os
import boto3

client = boto3.client("dynamodb", region_name=os.environ["AWS_REGION"], endpoint_url=os.environ["AWS_ENDPOINT_URL"])
try:
    client.delete_table(TableName=os.environ["TABLE_NAME"])
    client.get_waiter("table_not_exists").wait(TableName=os.environ["TABLE_NAME"])
except client.exceptions.ResourceNotFoundException:
    pass
PY
fi

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log="$state/schemathesis-devserver.log"
# The deployed SDK timeouts and request budgets: the patched stand-in keeps up with them.
PORT="$port" RUST_LOG="${RUST_LOG:-info}" target/debug/devserver >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
  if python3 -c "import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1] + '/v1/activity', timeout=1)
except urllib.error.HTTPError:
    pass" "$base" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the dev server did not start; its log:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done

# Tokens (HS256, as the dev server's authorizer stand-in verifies them) and seed data; prints
# `TOKEN SESSION`. The document is tested as written, except that a copy gets two example values
# that cannot be written down once: a live link token (so the examples phase follows a valid link,
# GET and HEAD) and an audit range around today (so it finds the seeded records).
spec="$state/openapi-schemathesis.json"
read -r token session < <("$venv/bin/python" - "$base" "$spec" <<'PY'
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.request

import jwt
import yaml

base = sys.argv[1]


def mint(claims):
    now = int(time.time())
    claims = {**claims, "iss": "planroom-dev", "aud": "planroom-activity", "iat": now, "exp": now + 3600}
    return jwt.encode(claims, os.environ["DEV_JWT_SECRET"], algorithm="HS256")


staff = mint({"sub": "staff-1", "email": "staff@planroom.test", "name": "Pat Staff", "planroom_id": "demo",
              "role": "staff", "approved": True})
customer = mint({"sub": "cust-1", "email": "bidder@acme.test", "name": "Zoë Ångström", "planroom_id": "demo",
                 "company_id": "acme", "company_name": "ACME Construction", "role": "customer",
                 "approved": True})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def call(method, path, body=None, headers=None, want=(200,)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    try:
        res = opener.open(req, timeout=10)
    except urllib.error.HTTPError as err:
        res = err
    text = res.read().decode()
    if res.status not in want:
        sys.exit(f"seeding: {method} {path} answered {res.status}: {text}")
    return res, (json.loads(text) if text and res.headers.get_content_type() == "application/json" else None)


as_staff = {"Authorization": f"Bearer {staff}"}
call("PUT", "/v1/planroom", {"base_url": "https://plans.example.com"}, as_staff)
call("PUT", "/v1/jobs/job-1", {"name": "Elm Street School", "number": "24-017", "company_id": "acme",
                               "company_name": "ACME Construction", "time_zone": "America/Chicago"},
     as_staff, want=(200, 201))
call("POST", "/v1/events", {"events": [{"job_id": "job-1", "activity": "view",
                                        "object": {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf"},
                                        "section": {"id": "s-2", "name": "Addenda"}, "device": "desktop"}]},
     {"Authorization": f"Bearer {customer}"})
_, blast = call("POST", "/v1/jobs/job-1/blasts", {
    "name": "Addendum 3", "sent_at": "2026-01-05T15:00:00Z",
    "recipients": [{"contact_id": "c-1", "email": "zoe@bidder.test", "name": "Zoë", "company_name": "Bidder Co"},
                   {"email": "nobody@bidder.test"}],
    "targets": [{"kind": "file", "id": "add-3", "name": "Addendum 3.pdf", "action": "view"}]},
    as_staff, want=(201,))
link = "/r/" + blast["links"][0]["url"].rsplit("/r/", 1)[1]
res, _ = call("GET", link, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64)"}, want=(302,))
session = res.headers["Location"].split("#contact_session=", 1)[1]
call("HEAD", link, want=(302,))
call("POST", "/v1/contact-events", [{"job_id": "job-1", "activity": "download",
                                     "object": {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf"}}],
     {"X-Contact-Session": session})
call("POST", "/v1/jobs/job-1/exports", {"format": "csv", "report": "summary"},
     {**as_staff, "Idempotency-Key": "report-2026-11-25"}, want=(202,))
with open("infra/openapi.yaml", encoding="utf-8") as f:
    doc = yaml.safe_load(f)
doc["components"]["parameters"]["LinkToken"]["examples"] = {"live": {"value": link.removeprefix("/r/")}}
today = datetime.date.today()
for param in doc["paths"]["/v1/activity"]["get"]["parameters"]:
    day = {"from": today - datetime.timedelta(days=7), "to": today + datetime.timedelta(days=1)}.get(param.get("name"))
    if day is not None:
        param["examples"] = {"around_today": {"value": day.isoformat()}}
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1, default=str)
print(staff, session)
PY
)
if [ -z "${session:-}" ]; then
  echo "seeding the dev server failed; its log: $log" >&2
  exit 1
fi
echo "dev server on $base (log: $log), seeded planroom demo / job-1"

# Schemathesis and Hypothesis only write under $state (no .hypothesis/ or report folder at the root).
report="$state/schemathesis"
rm -rf "$report"
mkdir -p "$report"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-40}"
seed="${SCHEMATHESIS_SEED:-20261125}"
set +e
(
  cd "$state"
  NO_COLOR=1 "../$venv/bin/schemathesis" --config-file ../scripts/schemathesis.toml run "../$spec" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --header "X-Contact-Session: $session" \
    --checks "${SCHEMATHESIS_CHECKS:-all}" \
    --phases "${SCHEMATHESIS_PHASES:-examples,coverage,fuzzing}" \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers "${SCHEMATHESIS_WORKERS:-1}" \
    --generation-database none \
    --max-redirects 0 \
    --request-timeout 30 \
    --report junit \
    --report-dir schemathesis \
    --no-color \
    "$@"
) 2>&1 | tee "$report/output.txt"
status=${PIPESTATUS[0]}
set -e
cases="$(grep -E '^ *[0-9]+ generated' "$report/output.txt" | tail -1 | sed 's/^ *//')"
echo "schemathesis: ${cases:-no test cases reported} (seed $seed, at most $max_examples examples per operation and phase)"
if [ "$status" -ne 0 ]; then
  echo "schemathesis found failures (exit $status); output: $report/output.txt, dev server log: $log" >&2
fi
exit "$status"
