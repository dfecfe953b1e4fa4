#!/usr/bin/env bash
# Makes sure PostgreSQL's server binaries are available for the tests that need a real database
# (test/helpers/postgres.ts, scripts/pg-throwaway-lib.mjs start throwaway clusters with them).
# Idempotent and quick when they are installed: prints the directory holding initdb, pg_ctl and
# postgres and exits 0. Looks at $PG_BINDIR, then PATH (Debian keeps the binaries out of PATH, in
# /usr/lib/postgresql/<major>/bin), then /usr/lib/postgresql/*/bin, newest major first.
# Installs the Debian package `postgresql` with apt-get when missing and we are root (or have
# passwordless sudo). Exits 1, with the reason on stderr, when it cannot be installed: the tests
# then skip with a visible message.
#
# Debian's package creates a `main` cluster (/var/lib/postgresql/<major>/main, port 5432) and
# starts it through invoke-rc.d. We do not need it: while installing, a temporary
# /usr/sbin/policy-rc.d (exit 101) stops it from being started, unless one already exists (Docker
# images ship one that does the same). The cluster's files are still created; it stays down.
set -euo pipefail

is_pg_bin() {
  [ -n "$1" ] && [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ] && [ -x "$1/postgres" ]
}

find_pg_bin() {
  local c d
  if [ -n "${PG_BINDIR:-}" ]; then
    if is_pg_bin "$PG_BINDIR"; then echo "$PG_BINDIR"; return 0; fi
    echo "ensure-postgres: PG_BINDIR=$PG_BINDIR has no initdb, pg_ctl and postgres; looking elsewhere" >&2
  fi
  for c in initdb pg_ctl; do
    if d=$(command -v "$c" 2>/dev/null); then
      d=$(dirname "$(readlink -f "$d")")
      if is_pg_bin "$d"; then echo "$d"; return 0; fi
    fi
  done
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if is_pg_bin "$d"; then echo "$d"; return 0; fi
  done
  return 1
}

if find_pg_bin; then exit 0; fi

# shellcheck source=apt-lib.sh
. "$(dirname "$0")/apt-lib.sh"
apt_prepare ensure-postgres postgresql find_pg_bin

POLICY=/usr/sbin/policy-rc.d
OUR_POLICY=""
if [ ! -e "$POLICY" ]; then
  if printf '#!/bin/sh\n# written by dumptriage scripts/ensure-postgres.sh while it installs postgresql\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null \
     && $SUDO chmod 755 "$POLICY"; then
    OUR_POLICY=1
    trap '$SUDO rm -f "$POLICY"' EXIT
  fi
fi

apt_install ensure-postgres postgresql
if [ -z "$OUR_POLICY" ] && [ ! -e "$POLICY" ]; then
  echo "ensure-postgres: note: Debian's own 'main' cluster may have been started (port 5432); the tests do not use it" >&2
fi
find_pg_bin || { echo "ensure-postgres: postgresql installed but initdb/pg_ctl/postgres not found in /usr/lib/postgresql/*/bin" >&2; exit 1; }
