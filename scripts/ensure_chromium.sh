#!/usr/bin/env bash
# Make headless Chromium available for the accessibility (axe-core) and PDF tests.
# Uses Debian's packages; never downloads a browser of its own.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null) \
    || echo "warning: could not install chromium; browser tests will be skipped with a reason" >&2
else
  echo "note: chromium not found and cannot install it (need root and apt-get);" \
       "browser tests will be skipped. Install with: sudo apt-get install chromium" >&2
fi
exit 0
