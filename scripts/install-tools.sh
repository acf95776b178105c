#!/usr/bin/env bash
# System tools the tests use, from Debian's packages: poppler's pdftotext reads the PDF reports
# back; Chromium is the browser of the browser tests (driven by Playwright, never a downloaded
# browser build).
set -euo pipefail
missing=()
command -v pdftotext >/dev/null || missing+=(poppler-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} ..."
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  $sudo apt-get clean # the downloaded packages: ~150 MB the disk needs more than the cache
fi
