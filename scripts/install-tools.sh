#!/usr/bin/env bash
# System tools the tests use: poppler's pdftotext reads the PDF reports back.
set -euo pipefail
if ! command -v pdftotext >/dev/null; then
  echo "installing poppler-utils (pdftotext) ..."
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils >/dev/null
fi
