#!/usr/bin/env bash
# The Python venv the generator's integration tests run a generated Python consumer project in:
# .lab/cache/generator-venv, with the project's own requirements-dev.txt (confluent-kafka from PyPI,
# pytest) installed by pip. Idempotent: a stamp holds the requirements installed, so a warm run
# only checks it. Bounded by timeouts.
# Usage: scripts/generatorVenv.sh REQUIREMENTS_DEV_TXT   (prints the venv's interpreter path last)
set -euo pipefail
LOG_TAG=generator-venv
source "$(dirname "$0")/lib/common.sh"

REQUIREMENTS="${1:?usage: scripts/generatorVenv.sh path/to/requirements-dev.txt}"
[ -f "$REQUIREMENTS" ] || die "no such requirements file: $REQUIREMENTS"
VENV="$LAB_DIR/cache/generator-venv"
STAMP="$VENV/.installed"
LOG="$LAB_DIR/logs/generator-venv-install.log"
# requirements-dev.txt starts with "-r requirements.txt": the stamp lists every requirement line
# installed so far (projects of several value formats share the venv).
WANTED="$(cat "$REQUIREMENTS" "$(dirname "$REQUIREMENTS")/requirements.txt" 2>/dev/null | grep -v '^-r ' | sort -u)"

installed() {
  [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ -z "$(comm -23 <(echo "$WANTED") <(sort -u "$STAMP"))" ]
}
if installed; then
  echo "$VENV/bin/python"
  exit 0
fi
command -v python3 >/dev/null || die "python3 is needed (apt-get install -y python3 python3-venv)."
mkdir -p "$LAB_DIR/logs" "$LAB_DIR/cache"
if [ ! -x "$VENV/bin/python" ]; then
  timeout 120 python3 -m venv "$VENV" >"$LOG" 2>&1 \
    || die "python3 -m venv failed (see $LOG); on Debian: apt-get install -y python3-venv."
fi
log "installing $(tr '\n' ' ' <"$REQUIREMENTS") into $VENV" >&2
if ! (cd "$(dirname "$REQUIREMENTS")" && timeout 600 "$VENV/bin/python" -m pip install --disable-pip-version-check \
    --no-input -q --timeout 30 --retries 1 -r "$(basename "$REQUIREMENTS")") >>"$LOG" 2>&1; then
  die "could not install the generated project's requirements from PyPI (see $LOG)."
fi
{ cat "$STAMP" 2>/dev/null || true; echo "$WANTED"; } | sort -u >"$STAMP.new" && mv "$STAMP.new" "$STAMP"
echo "$VENV/bin/python"
