#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (no downloaded browser builds).
set -euo pipefail
if [ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_PATH:-}" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq chromium >/dev/null
else
  echo "WARNING: /usr/bin/chromium not found and cannot install it (need root + apt-get)." >&2
  echo "         Browser tests will be skipped. Install Debian's 'chromium' or set CHROMIUM_PATH." >&2
fi
