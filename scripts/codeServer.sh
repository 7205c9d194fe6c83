#!/usr/bin/env bash
# Installs code-server (VS Code server + web workbench from npm) into the git-ignored .lab cache so
# extension test suites can run in a real VS Code without downloading VS Code from Microsoft.
# code-server's own postinstall downloads from GitHub, so the install is done step by step
# (see docs: test-rig §4). Usage: scripts/codeServer.sh install
set -euo pipefail

CODE_SERVER_VERSION="4.100.3"
VSCODE_VERSION="1.100.3"

repoRoot="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cacheDir="$repoRoot/.lab/cache/code-server"
logDir="$repoRoot/.lab/logs"
logFile="$logDir/code-server-install.log"
marker="$cacheDir/.installed-$CODE_SERVER_VERSION"
csDir="$cacheDir/node_modules/code-server"
vscodeDir="$csDir/lib/vscode"
entry="$csDir/out/node/entry.js"

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
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ "$major" == "20" ]] || log "warning: code-server $CODE_SERVER_VERSION expects Node 20, found $(node --version)"
}

# code-server writes a default config.yaml and a log folder under the user's home on first start;
# point both into the cache so nothing lands outside the repo.
codeServerVersion() {
  CODE_SERVER_CONFIG="$cacheDir/config.yaml" XDG_DATA_HOME="$cacheDir/xdg-data" timeout 60 node "$entry" --version
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
  timeout "$limit" "$@" >>"$logFile" 2>&1 || die "step failed or timed out after ${limit}s: $desc (see $logFile)"
}

install() {
  mkdir -p "$logDir"
  if [[ -f "$marker" ]] && versionOk; then
    log "code-server $CODE_SERVER_VERSION already installed in $cacheDir"
    return 0
  fi
  local started=$SECONDS
  : >"$logFile"
  checkPrerequisites
  mkdir -p "$cacheDir"
  rm -f "$cacheDir"/.installed-*

  # 1. The package itself without its downloading postinstall, then argon2's native module.
  [[ -f "$cacheDir/package.json" ]] || printf '{\n  "name": "kafka-lab-code-server-cache",\n  "private": true\n}\n' >"$cacheDir/package.json"
  (cd "$cacheDir" && runStep "npm install code-server@$CODE_SERVER_VERSION --ignore-scripts" "$NETWORK_TIMEOUT" \
    npm install --no-audit --no-fund --ignore-scripts "code-server@$CODE_SERVER_VERSION")
  (cd "$cacheDir" && runStep "npm rebuild argon2" "$BUILD_TIMEOUT" npm rebuild argon2)

  # 2. VS Code's own dependencies; ripgrep comes from Debian so its postinstall skips the GitHub download.
  (cd "$vscodeDir" && runStep "lib/vscode: npm install --omit=dev --ignore-scripts" "$NETWORK_TIMEOUT" \
    npm install --no-audit --no-fund --omit=dev --ignore-scripts)
  mkdir -p "$vscodeDir/node_modules/@vscode/ripgrep/bin"
  linkTo /usr/bin/rg "$vscodeDir/node_modules/@vscode/ripgrep/bin/rg"
  # npm_config_yes: node-pty's postinstall would otherwise stop at an npx prompt.
  (cd "$vscodeDir" && runStep "lib/vscode: npm rebuild (native modules)" "$BUILD_TIMEOUT" env npm_config_yes=true npm rebuild)
  [[ -x "$vscodeDir/node_modules/@vscode/ripgrep/bin/rg" ]] || die "ripgrep link missing after rebuild"

  # 3. Links the packaged build normally ships.
  linkTo node_modules "$vscodeDir/node_modules.asar"
  linkTo code-linux.sh "$vscodeDir/bin/remote-cli/code-server"
  linkTo browser-linux.sh "$vscodeDir/bin/helpers/browser.sh"

  # 4. Dependencies of the built-in extensions.
  (cd "$vscodeDir/extensions" && runStep "lib/vscode/extensions: npm install --omit=dev --ignore-scripts" "$NETWORK_TIMEOUT" \
    npm install --no-audit --no-fund --omit=dev --ignore-scripts)

  versionOk || die "node $entry --version does not print $CODE_SERVER_VERSION (Code $VSCODE_VERSION)"
  date -u +%FT%TZ >"$marker"
  log "installed code-server $CODE_SERVER_VERSION in $((SECONDS - started))s: $(codeServerVersion | tail -n1)"
}

case "${1:-}" in
  install) install ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
