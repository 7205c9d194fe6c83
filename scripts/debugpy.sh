#!/usr/bin/env bash
# Installs debugpy (from PyPI) for the Python handler tests and benchmarks: a venv under
# .lab/cache/debugpy-venv with debugpy, the interpreter the extension tests point a Python handler
# at (F5 runs the handler under `python -m debugpy.adapter` from that venv). A second venv,
# .lab/cache/nodebugpy-venv, deliberately has no debugpy: the test of the install offer uses it.
# Idempotent (a stamp holds the requirement line); bounded by timeouts.
# Usage: scripts/debugpy.sh [install|python|python-without]
set -euo pipefail
LOG_TAG=debugpy
source "$(dirname "$0")/lib/common.sh"

VENV="$LAB_DIR/cache/debugpy-venv"
BARE_VENV="$LAB_DIR/cache/nodebugpy-venv"
REQUIREMENT="debugpy==1.8.22"
STAMP="$VENV/.installed"
LOG_FILE="$LAB_DIR/logs/debugpy-install.log"

installed() {
  [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENT" ] \
    && "$VENV/bin/python" -c 'import debugpy.adapter' >/dev/null 2>&1 \
    && [ -x "$BARE_VENV/bin/python" ]
}

case "${1:-install}" in
  python)
    installed || die "the debugpy venv is not installed; run: bash scripts/debugpy.sh"
    echo "$VENV/bin/python"
    ;;
  python-without)
    installed || die "the debugpy venv is not installed; run: bash scripts/debugpy.sh"
    echo "$BARE_VENV/bin/python"
    ;;
  install)
    if installed; then log "debugpy up to date ($REQUIREMENT)"; exit 0; fi
    command -v python3 >/dev/null || die "python3 is needed for Python handlers (apt-get install -y python3 python3-venv)."
    mkdir -p "$LAB_DIR/logs" "$LAB_DIR/cache"
    : >"$LOG_FILE"
    for venv in "$VENV" "$BARE_VENV"; do
      if [ ! -x "$venv/bin/python" ]; then
        timeout 120 python3 -m venv "$venv" >>"$LOG_FILE" 2>&1 \
          || die "python3 -m venv failed (see $LOG_FILE); on Debian: apt-get install -y python3-venv."
      fi
    done
    log "installing $REQUIREMENT into $VENV"
    if ! timeout 600 "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q --timeout 30 --retries 1 "$REQUIREMENT" \
        >>"$LOG_FILE" 2>&1; then
      die "could not install $REQUIREMENT from PyPI (unreachable or failed; see $LOG_FILE). Python handler tests will be skipped."
    fi
    echo "$REQUIREMENT" >"$STAMP"
    installed || die "debugpy installed but debugpy.adapter does not import; see $LOG_FILE."
    log "debugpy installed"
    ;;
  *) die "unknown command $1 (install|python|python-without)" ;;
esac
