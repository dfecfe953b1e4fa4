#!/usr/bin/env bash
# Makes sure a headless Chromium is available for the HTML report test (test/scan/).
# Idempotent and quick when Chromium is already installed: prints its path and exits 0.
# Installs the Debian package `chromium` with apt-get when missing and we are root (or have
# passwordless sudo). Exits 1, with the reason on stderr, when it cannot be installed: the
# test then skips with a visible message.
set -euo pipefail

find_chromium() {
  for c in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome /usr/bin/google-chrome-stable; do
    if [ -n "$c" ] && [ -x "$c" ]; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if find_chromium; then exit 0; fi

# shellcheck source=apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"
apt_prepare ensure-chromium chromium find_chromium
apt_install ensure-chromium chromium
find_chromium || { echo "ensure-chromium: chromium installed but not found on the usual paths" >&2; exit 1; }
