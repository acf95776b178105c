#!/usr/bin/env bash
# The deploy rehearsal (`make test`, after `sam build`): the README's deploy command, as written,
# against the local stand-in's CloudFormation, IAM, Lambda and S3; then what AWS would check of
# the deployed stack (scripts/deploy_rehearsal.py): bootstraps, resources, and every AWS call the
# tests recorded against each function's role. Needs a built stack (scripts/sam.sh build) and the
# stand-in started with STAND_IN_CALL_LOG (as scripts/test.sh starts it).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
export STAND_IN_CALL_LOG="${STAND_IN_CALL_LOG:-$PWD/.local/aws-calls.jsonl}"
[ -s "$STAND_IN_CALL_LOG" ] || { echo "no recorded AWS calls in $STAND_IN_CALL_LOG: run the tests first (make test)" >&2; exit 1; }
# The README's command ("Deployment"), answering its change-set confirmation. moto reads a
# template uploaded to S3 from a URL on "localhost" (not 127.0.0.1): SAM names the endpoint in it.
printf 'y\n' | AWS_ENDPOINT_URL="http://localhost:$MOTO_PORT" scripts/sam.sh deploy --config-env prod \
  --parameter-overrides JwtIssuer=https://auth.example.com JwtAudience=planroom-activity \
  | grep -v "Uploading to"
.venv/bin/python scripts/deploy_rehearsal.py planroom-activity-prod "$STAND_IN_CALL_LOG"
