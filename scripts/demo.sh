#!/usr/bin/env bash
# `npm run demo`: from a fresh clone, set up, start the local Kafka broker and schema registry,
# create demo topics, build the extension, and serve VS Code (code-server) with the extension
# loaded on a sample folder. Prints the URL to open; Ctrl+C stops VS Code (the services keep
# running until `npm run services:stop`).
set -euo pipefail
LOG_TAG=demo
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

port="${KAFKA_LAB_DEMO_PORT:-18080}"
bash scripts/setup.sh
bash scripts/services.sh start
node scripts/demoData.mjs
npm run -s build

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  die "port $port on 127.0.0.1 is already in use. Stop what uses it, or choose another: KAFKA_LAB_DEMO_PORT=18090 npm run demo"
fi

workspace="$REPO_ROOT/test/fixtures/workspace"
state="$LAB_DIR/run/demo"
mkdir -p "$state/user-data/User" "$state/extensions" "$LAB_DIR/logs"
# The sample folder sits inside this repository: keep git from offering to open the parent repo.
# The demo opens with the local cluster already saved (no secret: PLAINTEXT, registry without auth).
[ -f "$state/user-data/User/settings.json" ] || node -e '
  const services = require(process.argv[1]);
  const settings = {
    "git.openRepositoryInParentFolders": "never",
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "kafkaLab.clusters": [{ id: "local-demo", name: "Local demo", bootstrapServers: services.kafka.plaintext, securityProtocol: "PLAINTEXT", registry: { url: services.registry.url, auth: "none" } }],
  };
  require("fs").writeFileSync(process.argv[2], JSON.stringify(settings, null, 2) + "\n");
' "$REPO_ROOT/test/services.json" "$state/user-data/User/settings.json"
payload=$(node -e '
  const [port, ext] = process.argv.slice(1);
  console.log(encodeURIComponent(JSON.stringify([["extensionDevelopmentPath", `vscode-remote://127.0.0.1:${port}${ext}`], ["skipWelcome", "true"]])));
' "$port" "$REPO_ROOT")
url="http://127.0.0.1:$port/?folder=$(node -p 'encodeURIComponent(process.argv[1])' "$workspace")&payload=$payload"

log "Kafka: $(node -p 'require("./test/services.json").kafka.plaintext') (PLAINTEXT), registry: $(node -p 'require("./test/services.json").registry.url')"
log "Open VS Code with Kafka Consumer Lab loaded:"
echo
echo "  $url"
echo
log "code-server log: $LAB_DIR/logs/code-server-demo.log. Press Ctrl+C to stop."
exec node "$LAB_DIR/cache/code-server/node_modules/code-server/out/node/entry.js" \
  --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry --disable-update-check \
  --disable-workspace-trust --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" \
  "$workspace" >>"$LAB_DIR/logs/code-server-demo.log" 2>&1
