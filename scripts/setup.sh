#!/usr/bin/env bash
# Idempotent set-up of everything the project needs on this machine: Node dependencies (with the
# native Kafka client built from source when its prebuilt binary cannot be downloaded), the local
# Kafka broker and schema registry, and code-server + Chromium for extension tests.
# A second run checks and skips. Usage: scripts/setup.sh [--skip-services] [--skip-code-server]
set -euo pipefail
LOG_TAG=setup
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

skip_services=0 skip_code_server=0
for arg in "$@"; do
  case "$arg" in
    --skip-services) skip_services=1 ;;
    --skip-code-server) skip_code_server=1 ;;
    *) die "unknown option $arg" ;;
  esac
done

command -v node >/dev/null || die "Node.js 20.19+ is required. Install it (e.g. apt-get install -y nodejs npm) and run again."
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old; 20.19 or newer is required."

native_loads() {
  node -e "require('@confluentinc/kafka-javascript').librdkafkaVersion" >/dev/null 2>&1
}

# Build prerequisites for the native client's from-source fallback (dynamic linking against Debian's
# libraries). On a machine that downloads the prebuilt binary they are not needed, so a non-root
# user without them only gets the exact command if the build turns out to be needed.
NATIVE_BUILD_PACKAGES=(g++ make python3 pkg-config libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev libcurl4-openssl-dev)

stamp="$LAB_DIR/.npm-installed"
if [ -d node_modules ] && [ -f "$stamp" ] && [ "$stamp" -nt package-lock.json ] && native_loads; then
  log "node_modules up to date"
else
  if [ "$(id -u)" -eq 0 ]; then
    ensure_debian_packages "building the native Kafka client" "${NATIVE_BUILD_PACKAGES[@]}"
  fi
  log "installing Node dependencies (the native client compiles from source when its prebuilt binary is unreachable; ~3 min)"
  mkdir -p "$LAB_DIR/logs"
  # CKJS_LINKING=dynamic only affects the fallback build: with internet the prebuilt binary is used.
  if ! CKJS_LINKING=dynamic timeout 1800 npm ci --no-audit --no-fund >"$LAB_DIR/logs/npm-ci.log" 2>&1; then
    tail -n 20 "$LAB_DIR/logs/npm-ci.log" >&2
    if [ "$(id -u)" -ne 0 ]; then
      ensure_debian_packages "building the native Kafka client" "${NATIVE_BUILD_PACKAGES[@]}"
    fi
    die "npm ci failed (full log: $LAB_DIR/logs/npm-ci.log)."
  fi
  native_loads || die "@confluentinc/kafka-javascript installed but does not load; see $LAB_DIR/logs/npm-ci.log."
  touch "$stamp"
fi
log "native client: librdkafka $(node -p "require('@confluentinc/kafka-javascript').librdkafkaVersion")"

if [ "$skip_services" -eq 0 ]; then
  bash scripts/services.sh install
fi
if [ "$skip_code_server" -eq 0 ]; then
  bash scripts/codeServer.sh install
fi
# Optional: Confluent's Python serializers for the codec interop tests (skipped without them).
timeout 900 bash scripts/interop.sh || true
# Optional: debugpy for the Python handler tests (skipped without it).
timeout 900 bash scripts/debugpy.sh || true
log "set-up complete"
