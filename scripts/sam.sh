#!/usr/bin/env bash
# AWS SAM with cargo-lambda, run from the repository root (samconfig.toml -> infra/template.yaml).
#   scripts/sam.sh install    create .venv-sam with the pinned SAM CLI, cargo-lambda and zig
#   scripts/sam.sh validate   sam validate --lint (offline, no AWS account needed)
#   scripts/sam.sh build      sam build: one arm64 (provided.al2023) bootstrap per function in
#                             .aws-sam/build/<LogicalId>/, then checks and lists them
#   scripts/sam.sh deploy     sam deploy of the built template (.aws-sam/build, see samconfig.toml)
# validate and build install .venv-sam first when it is missing or out of date.
# Extra arguments go to sam, e.g. `scripts/sam.sh build --debug`.
# The Rust build goes to target/sam (SAM_CARGO_TARGET_DIR overrides), apart from the
# target/ that cargo uses day to day, and is reused by the next `sam build`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=$root/.venv-sam
req=scripts/requirements-sam.txt
rust_target=aarch64-unknown-linux-gnu
functions=(CaptureFunction RedirectFunction QueryFunction ExportFunction ExportWorkerFunction ExportFailuresFunction)

install() {
  if [ ! -x "$venv/bin/sam" ] || [ ! -x "$venv/bin/cargo-lambda" ] || ! cmp -s "$req" "$venv/.requirements"; then
    echo "installing SAM CLI, cargo-lambda and zig into .venv-sam ..."
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
    cp "$req" "$venv/.requirements"
  fi
  # The ziglang package is run as `python -m ziglang`; cargo-lambda looks for a `zig` executable.
  if [ ! -x "$venv/bin/zig" ]; then
    printf '%s\n' '#!/bin/sh' 'exec "$(dirname "$0")/python" -m ziglang "$@"' >"$venv/bin/zig"
    chmod +x "$venv/bin/zig"
  fi
}

sam_env() {
  export PATH="$venv/bin:$PATH"
  export SAM_CLI_TELEMETRY=0
  # Nothing here talks to AWS; a region and (dummy) credentials keep boto3 quiet and offline.
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-$AWS_REGION}"
  if [ -z "${AWS_PROFILE:-}" ]; then
    export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-dummy}"
    export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-dummy}"
  fi
  export AWS_EC2_METADATA_DISABLED=true
}

validate() {
  install
  sam_env
  sam validate --lint "$@"
}

# Prints the ELF machine of a file: aarch64, x86_64 or what it is.
elf_machine() {
  local magic machine
  magic=$(od -An -tx1 -N4 "$1" | tr -d ' \n')
  [ "$magic" = 7f454c46 ] || { echo "not ELF"; return; }
  machine=$(od -An -tu2 -j18 -N2 "$1" | tr -d ' \n')
  case "$machine" in
    183) echo aarch64 ;;
    62) echo x86_64 ;;
    *) echo "machine $machine" ;;
  esac
}

build() {
  install
  sam_env
  if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx "$rust_target"; then
    echo "adding the Rust target $rust_target ..."
    rustup target add "$rust_target"
  fi
  export CARGO_TARGET_DIR="${SAM_CARGO_TARGET_DIR:-$root/target/sam}"
  export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-$(nproc)}"
  # Remove last build's artifacts, so that what is checked below was built now.
  for id in "${functions[@]}"; do rm -f ".aws-sam/build/$id/bootstrap"; done
  local start=$SECONDS
  sam build "$@"
  local failed=0 f size
  echo "bootstraps (built in $((SECONDS - start))s):"
  for id in "${functions[@]}"; do
    f=.aws-sam/build/$id/bootstrap
    if [ ! -f "$f" ]; then
      echo "  $id: MISSING $f" >&2
      failed=1
      continue
    fi
    size=$(stat -c %s "$f")
    printf '  %-22s %10d bytes %6.1f MiB  %s\n' "$id" "$size" "$(awk -v s="$size" 'BEGIN { print s / 1048576 }')" "$(elf_machine "$f")"
    if [ "$(elf_machine "$f")" != aarch64 ]; then
      echo "  $id: $f is not an aarch64 executable" >&2
      failed=1
    fi
  done
  return "$failed"
}

deploy() {
  install
  sam_env
  if [ ! -f .aws-sam/build/template.yaml ]; then
    echo "nothing built to deploy: run scripts/sam.sh build first" >&2
    exit 1
  fi
  sam deploy "$@"
}

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
  install) install ;;
  validate) validate "$@" ;;
  build) build "$@" ;;
  deploy) deploy "$@" ;;
  *) echo "usage: $0 install|validate|build|deploy [sam arguments]" >&2; exit 2 ;;
esac
