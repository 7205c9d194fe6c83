# Shared helpers for the project's bash scripts. Source it; it defines functions only.
# Everything the scripts create lives under $LAB_DIR (git-ignored): cache/, run/, logs/, artifacts/.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LAB_DIR="${KAFKA_LAB_DIR:-$REPO_ROOT/.lab}"
export REPO_ROOT LAB_DIR

log() { printf '[%s] %s\n' "${LOG_TAG:-lab}" "$*"; }
die() { printf '[%s] ERROR: %s\n' "${LOG_TAG:-lab}" "$*" >&2; exit 1; }

# ensure_debian_packages REASON PKG...: installs what is missing when root (after one apt-get update),
# otherwise stops with the exact command to run. Does nothing off Debian/Ubuntu.
ensure_debian_packages() {
  local reason="$1"; shift
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "$reason needs Debian packages that are missing. Run: sudo apt-get install -y ${missing[*]}"
  fi
  log "installing Debian packages for $reason: ${missing[*]}"
  if [ ! -f "$LAB_DIR/.apt-updated" ]; then
    mkdir -p "$LAB_DIR"
    timeout 600 apt-get update -q >"$LAB_DIR/apt-update.log" 2>&1 \
      || die "apt-get update failed (see $LAB_DIR/apt-update.log). Check the Debian package mirror, then run again."
    touch "$LAB_DIR/.apt-updated"
  fi
  DEBIAN_FRONTEND=noninteractive timeout 1200 apt-get install -y -q "${missing[@]}" >"$LAB_DIR/apt-install.log" 2>&1 \
    || die "apt-get install ${missing[*]} failed (see $LAB_DIR/apt-install.log)."
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls COMMAND until it succeeds, bounded.
wait_until() {
  local seconds="$1" what="$2"; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      printf '[%s] ERROR: timed out after %ss waiting for %s\n' "${LOG_TAG:-lab}" "$seconds" "$what" >&2
      return 1
    fi
    sleep 0.5
  done
}
