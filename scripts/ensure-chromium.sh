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

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no apt-get on this system; install Chromium yourself or set CHROMIUM=/path" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "ensure-chromium: not root and no passwordless sudo; cannot apt-get install chromium" >&2
    exit 1
  fi
fi

# Serialize concurrent runs (several test workers may ask at once).
LOCK=/tmp/dumptriage-ensure-chromium.lock
exec 9>"$LOCK"
if command -v flock >/dev/null 2>&1; then flock 9; fi
if find_chromium; then exit 0; fi

export DEBIAN_FRONTEND=noninteractive
echo "ensure-chromium: installing the Debian package chromium (apt-get)..." >&2
if ! $SUDO apt-get update -qq >&2; then
  echo "ensure-chromium: apt-get update failed" >&2
  exit 1
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium >&2; then
  echo "ensure-chromium: apt-get install chromium failed" >&2
  exit 1
fi
find_chromium || { echo "ensure-chromium: chromium installed but not found on the usual paths" >&2; exit 1; }
