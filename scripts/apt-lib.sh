# Sourced by the ensure-*.sh scripts: install a Debian package a test needs, with apt-get, when we
# are root or have passwordless sudo. Each function says why on stderr and exits 1 when it cannot;
# the test that asked then skips with a visible message.

# apt_prepare TAG PACKAGE FOUND_FN: checks apt-get and the right to use it (sets SUDO), then waits
# for any other caller (several test workers may ask at once: a lock file per TAG) and exits 0 if
# FOUND_FN (which prints what was found) succeeds meanwhile.
apt_prepare() {
  local tag=$1 pkg=$2 found=$3
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$tag: no apt-get on this system; install $pkg yourself" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo -n"
    else
      echo "$tag: not root and no passwordless sudo; cannot apt-get install $pkg" >&2
      exit 1
    fi
  fi
  exec 9>"/tmp/dumptriage-$tag.lock"
  if command -v flock >/dev/null 2>&1; then flock 9; fi
  if "$found"; then exit 0; fi
}

# apt_install TAG PACKAGE: apt-get update and install, without recommended packages.
apt_install() {
  local tag=$1 pkg=$2
  export DEBIAN_FRONTEND=noninteractive
  echo "$tag: installing the Debian package $pkg (apt-get)..." >&2
  if ! $SUDO apt-get update -qq >&2; then
    echo "$tag: apt-get update failed" >&2
    exit 1
  fi
  if ! $SUDO apt-get install -y -qq --no-install-recommends "$pkg" >&2; then
    echo "$tag: apt-get install $pkg failed" >&2
    exit 1
  fi
}
