#!/usr/bin/env bash
# Installs the interop peer for the codec integration tests: Confluent's own Python serializers
# (confluent-kafka with its Avro, Protobuf and JSON Schema extras, from PyPI) in a venv under
# .lab/cache/interop-venv. Both directions use it: its serializers write records we decode
# (test/integration/codec/interop/confluentPeer.py), its deserializers read records we encode
# (confluentReader.py), over the same edge corpus (edgeCorpus.json). Idempotent (a stamp holds the requirement line); bounded by timeouts.
# The codec's interop tests skip, saying why, when the venv is absent.
# Usage: scripts/interop.sh [install|python]   ("python" prints the venv's interpreter path)
set -euo pipefail
LOG_TAG=interop
source "$(dirname "$0")/lib/common.sh"

VENV="$LAB_DIR/cache/interop-venv"
REQUIREMENT="confluent-kafka[avro,protobuf,json,schemaregistry]==2.16.1"
STAMP="$VENV/.installed"

installed() {
  [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQUIREMENT" ] \
    && "$VENV/bin/python" -c 'import confluent_kafka.schema_registry.avro, confluent_kafka.schema_registry.protobuf, confluent_kafka.schema_registry.json_schema' >/dev/null 2>&1
}

case "${1:-install}" in
  python)
    installed || die "the interop venv is not installed; run: bash scripts/interop.sh"
    echo "$VENV/bin/python"
    ;;
  install)
    if installed; then log "interop peer up to date ($REQUIREMENT)"; exit 0; fi
    command -v python3 >/dev/null || die "python3 is needed for the codec interop tests (apt-get install -y python3 python3-venv)."
    mkdir -p "$LAB_DIR/logs" "$LAB_DIR/cache"
    if [ ! -x "$VENV/bin/python" ]; then
      timeout 120 python3 -m venv "$VENV" >"$LAB_DIR/logs/interop-install.log" 2>&1 \
        || die "python3 -m venv failed (see $LAB_DIR/logs/interop-install.log); on Debian: apt-get install -y python3-venv."
    fi
    log "installing $REQUIREMENT into $VENV"
    if ! timeout 600 "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -q --timeout 30 --retries 1 "$REQUIREMENT" \
        >>"$LAB_DIR/logs/interop-install.log" 2>&1; then
      die "could not install $REQUIREMENT from PyPI (unreachable or failed; see $LAB_DIR/logs/interop-install.log). Interop tests will be skipped."
    fi
    echo "$REQUIREMENT" >"$STAMP"
    installed || die "confluent-kafka installed but its serializers do not import; see $LAB_DIR/logs/interop-install.log."
    log "interop peer installed"
    ;;
  *) die "unknown command $1 (install|python)" ;;
esac
