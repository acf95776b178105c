# Environment for running against the local AWS stand-in. Source it: `. scripts/env.sh`.
export MOTO_PORT="${MOTO_PORT:-4599}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${MOTO_PORT}}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}"
export AWS_EC2_METADATA_DISABLED=true
export TABLE_NAME="${TABLE_NAME:-planroom-activity-local}"
export BUCKET_NAME="${BUCKET_NAME:-planroom-activity-exports-local}"
export S3_FORCE_PATH_STYLE=true
