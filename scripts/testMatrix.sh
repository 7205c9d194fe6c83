#!/usr/bin/env bash
# `npm run test:matrix`: the integration layer once per Kafka version, each against its own broker
# (Apache Kafka from Maven Central, started by scripts/services.sh on the same ports: stop, switch,
# start), then a summary line per version "3.9.2: N passed, N failed, N skipped".
#
#   scripts/testMatrix.sh [--private] [VERSION...]     (default versions: 3.9.2 4.1.1 4.4.0)
#
# On the shared ports (test/services.json) the default broker is stopped for the run and the
# default version (4.1.1) is started again at the end, also after a failure or Ctrl+C.
# --private runs it all on ports of its own (each 10000 above test/services.json's) with its own
# run and log dirs under .lab/matrix/, so the shared broker and the tests of others go on.
# KAFKA_LAB_MATRIX_SPEC narrows what runs (a mocha spec glob, default the whole integration layer).
set -uo pipefail
LOG_TAG=matrix
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

DEFAULT_VERSIONS=(3.9.2 4.1.1 4.4.0)
private=0
versions=()
for arg in "$@"; do
  case $arg in
    --private) private=1 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*.[0-9]*.[0-9]*) versions+=("$arg") ;;
    *) die "unknown argument '$arg' (expected --private or a Kafka version such as 3.9.2)" ;;
  esac
done
((${#versions[@]})) || versions=("${DEFAULT_VERSIONS[@]}")

matrix_dir="$LAB_DIR/matrix"
mkdir -p "$matrix_dir" "$LAB_DIR/artifacts"
if ((private)); then
  # Every loopback port of test/services.json moved up by 10000, so nothing collides with the shared set.
  node -e '
    const fs = require("node:fs");
    const text = fs.readFileSync(process.argv[1], "utf8").replace(/127\.0\.0\.1:(\d{4,5})/g, (_, p) => {
      const port = Number(p) + 10000;
      if (port > 65535) throw new Error(`port ${p} + 10000 is past 65535`);
      return `127.0.0.1:${port}`;
    });
    fs.writeFileSync(process.argv[2], text);
  ' test/services.json "$matrix_dir/services.json" || die "could not derive the private ports from test/services.json"
  export KAFKA_LAB_SERVICES_JSON="$matrix_dir/services.json"
  export KAFKA_LAB_RUN_DIR="$matrix_dir/run"
  export KAFKA_LAB_LOGS_DIR="$matrix_dir/logs"
  log "private services: ports of $KAFKA_LAB_SERVICES_JSON, data in ${KAFKA_LAB_RUN_DIR#"$REPO_ROOT"/}"
fi
logs_dir="${KAFKA_LAB_LOGS_DIR:-$LAB_DIR/logs}"
mkdir -p "$logs_dir"

services() { # version command
  KAFKA_LAB_KAFKA_VERSION="$1" bash scripts/services.sh "$2"
}

restored=0
restore() {
  ((restored)) && return 0
  restored=1
  log "stopping the matrix's broker"
  services "${versions[-1]}" stop >/dev/null || log "WARNING: could not stop the matrix's services; run: bash scripts/services.sh stop"
  if ((!private)); then
    log "restoring the default broker (Kafka 4.1.1)"
    unset KAFKA_LAB_KAFKA_VERSION
    bash scripts/services.sh start || log "WARNING: the default services did not start again; run: npm run services:start"
  fi
}
trap restore EXIT
trap 'exit 130' INT TERM

started=$SECONDS
npm run -s compile-tests || log "WARNING: the TypeScript build reported errors; the tests run on what it emitted"
[[ -d out/test/integration ]] || die "out/test/integration is missing: the tests did not compile"

# Every version installed before any broker is stopped: a Maven failure must not leave the ports empty.
for v in "${versions[@]}"; do
  services "$v" install || die "could not install Kafka $v (see above)"
done

# A private run and a shared one may go on at once: each keeps its own results.
if ((private)); then mode=private; else mode=shared; fi
results="$LAB_DIR/artifacts/matrix-results-$mode.jsonl"
: >"$results"
# The integration layer's own mocha configuration; a narrower spec replaces its spec (mocha would add it).
mocharc=test/integration/.mocharc.json
if [[ -n ${KAFKA_LAB_MATRIX_SPEC:-} ]]; then
  mocharc="$matrix_dir/mocharc-$mode.json"
  node -e '
    const fs = require("node:fs");
    const config = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    fs.writeFileSync(process.argv[2], JSON.stringify({ ...config, spec: process.argv[3] }));
  ' test/integration/.mocharc.json "$mocharc" "$KAFKA_LAB_MATRIX_SPEC" || die "could not write $mocharc"
  log "only $KAFKA_LAB_MATRIX_SPEC"
fi
for v in "${versions[@]}"; do
  log "=== Kafka $v ==="
  services "$v" stop >/dev/null || die "could not stop the running broker before switching to Kafka $v"
  if ! services "$v" start; then
    log "Kafka $v did not start; its tests are counted as 1 failure"
    printf '{"version":"%s","passed":0,"failed":1,"skipped":0,"error":"services did not start"}\n' "$v" >>"$results"
    continue
  fi
  layer_results="$matrix_dir/results-$mode-$v.jsonl"
  : >"$layer_results"
  v_started=$SECONDS
  # Each test reads the broker it talks to; KAFKA_LAB_KAFKA_VERSION only names it in messages.
  KAFKA_LAB_KAFKA_VERSION="$v" KAFKA_LAB_RESULTS="$layer_results" KAFKA_LAB_LAYER="integration-$v" \
    npx mocha --config "$mocharc" 2>&1 | tee "$logs_dir/matrix-$v.log"
  rc=${PIPESTATUS[0]}
  if [[ -s $layer_results ]]; then
    node -e '
      const [file, version, seconds] = process.argv.slice(1);
      const r = JSON.parse(require("fs").readFileSync(file, "utf8").trim().split("\n").pop());
      console.log(JSON.stringify({ version, passed: r.passed, failed: r.failed, skipped: r.skipped, seconds: Number(seconds) }));
    ' "$layer_results" "$v" "$((SECONDS - v_started))" >>"$results"
  else
    log "the integration layer on Kafka $v exited with $rc before reporting; counted as 1 failure"
    printf '{"version":"%s","passed":0,"failed":1,"skipped":0,"error":"mocha exited %s"}\n' "$v" "$rc" >>"$results"
  fi
done

restore
log "finished in $((SECONDS - started))s; per version (also in ${results#"$REPO_ROOT"/}):"
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  let failed = 0;
  for (const l of lines) {
    failed += l.failed;
    console.log(`${l.version}: ${l.passed} passed, ${l.failed} failed, ${l.skipped} skipped${l.error ? ` (${l.error})` : ""}${l.seconds ? ` in ${l.seconds}s` : ""}`);
  }
  process.exit(failed > 0 ? 1 : 0);
' "$results"
