#!/usr/bin/env bash
# `npm test`: set up what is missing, start the local services, run the unit, integration and
# extension layers, and close with one line "N passed, N failed" summing all of them.
set -uo pipefail
LOG_TAG=test
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

started=$SECONDS
bash scripts/setup.sh || die "set-up failed; nothing was tested."
bash scripts/services.sh start || die "the local Kafka broker and schema registry did not start; see $LAB_DIR/logs/."

results="$LAB_DIR/artifacts/test-results.jsonl"
mkdir -p "$LAB_DIR/artifacts"
: >"$results"
export KAFKA_LAB_RESULTS="$results"

crashed=0
run_layer() {
  local layer="$1"; shift
  local before after
  before=$(grep -c "\"layer\":\"$layer\"" "$results" || true)
  log "=== $layer ==="
  KAFKA_LAB_LAYER="$layer" "$@"
  local rc=$?
  after=$(grep -c "\"layer\":\"$layer\"" "$results" || true)
  if [ "$after" -eq "$before" ]; then
    # The layer died before its reporter could count (build error, crash, timeout).
    printf '[test] %s layer exited with %s before reporting results; counted as 1 failure\n' "$layer" "$rc" >&2
    printf '{"layer":"%s","passed":0,"failed":1,"skipped":0}\n' "$layer" >>"$results"
  elif [ "$rc" -ne 0 ]; then
    crashed=1
  fi
}

npm run -s compile-tests || die "the TypeScript sources and tests do not compile."
lint_and_unit() {
  # Lint, the layering rule (no folder cycles, no upward imports) and formatting: one check of the tree.
  log "=== lint ==="
  if npm run -s lint; then
    printf '{"layer":"lint","passed":1,"failed":0,"skipped":0}\n' >>"$results"
  else
    printf '[test] npm run lint failed: run it and fix what it says (npm run format fixes formatting)\n' >&2
    printf '{"layer":"lint","passed":0,"failed":1,"skipped":0}\n' >>"$results"
  fi
  run_layer unit npx mocha --config test/unit/.mocharc.json
}
# Lint and the unit layer use the CPU while the integration layer mostly waits on the broker: they
# run beside it, their output kept apart and printed once both are done.
side_log="$LAB_DIR/artifacts/lint-and-unit.log"
lint_and_unit >"$side_log" 2>&1 &
side_pid=$!
run_layer integration npx mocha --config test/integration/.mocharc.json
wait "$side_pid" || crashed=1
cat "$side_log"
run_layer extension npm run -s test:extension

summary=$(node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map(JSON.parse);
  const sum = (k) => lines.reduce((n, l) => n + l[k], 0);
  for (const l of lines) console.error(`[test]   ${l.layer}: ${l.passed} passed, ${l.failed} failed, ${l.skipped} skipped`);
  for (const l of lines) for (const f of l.failures || []) console.error(`[test]   FAILED (${l.layer}) ${f}`);
  console.log(`${sum("passed")} ${sum("failed")} ${sum("skipped")}`);
' "$results")
read -r passed failed skipped <<<"$summary"
log "finished in $((SECONDS - started))s"
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ] && [ "$crashed" -eq 0 ]
