#!/usr/bin/env bash
# `npm run test:cluster`: the failover tests (test/integration-cluster) on the three-broker cluster
# of scripts/cluster.sh: starts it, runs them, stops it (also after a failure or Ctrl+C), and ends
# with one line "cluster: N passed, N failed, N skipped in S s". The single default broker and its
# tests are not touched. --keep leaves the cluster running afterwards (a second run starts faster).
set -uo pipefail
LOG_TAG=test:cluster
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

keep=0
for arg in "$@"; do
  case $arg in
    --keep) keep=1 ;;
    -h | --help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg' (expected --keep)" ;;
  esac
done

started=$SECONDS
stopped=0
stop_cluster() {
  ((stopped)) && return 0
  stopped=1
  if ((keep)); then
    log "leaving the cluster running (bash scripts/cluster.sh stop stops it)"
  else
    bash scripts/cluster.sh stop >/dev/null || log "WARNING: the cluster did not stop cleanly; run: bash scripts/cluster.sh stop"
  fi
}
trap stop_cluster EXIT
trap 'exit 130' INT TERM

npm run -s compile-tests || log "WARNING: the TypeScript build reported errors; the tests run on what it emitted"
[[ -d out/test/integration-cluster ]] || die "out/test/integration-cluster is missing: the tests did not compile"
bash scripts/cluster.sh start || die "the three-broker cluster did not start (see above)"

mkdir -p "$LAB_DIR/artifacts"
results="$LAB_DIR/artifacts/cluster-results.jsonl"
: >"$results"
KAFKA_LAB_RESULTS="$results" KAFKA_LAB_LAYER=cluster npx mocha --config test/integration-cluster/.mocharc.json
rc=$?
stop_cluster
summary=$(node -e '
  const lines = require("node:fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
  const sum = (k) => lines.reduce((n, l) => n + (l[k] ?? 0), 0);
  console.log(`${sum("passed")} passed, ${sum("failed")} failed, ${sum("skipped")} skipped`);
' "$results" 2>/dev/null || echo "no results (mocha did not finish)")
log "cluster: $summary in $((SECONDS - started)) s"
exit $rc
