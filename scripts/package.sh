#!/usr/bin/env bash
# `npm run package`: a platform-specific .vsix holding the bundle and the native Kafka client built
# for this machine (target e.g. linux-x64). Output: kafka-consumer-lab-<target>-<version>.vsix.
set -euo pipefail
LOG_TAG=package
source "$(dirname "$0")/lib/common.sh"
cd "$REPO_ROOT"

[ -d node_modules/@confluentinc/kafka-javascript ] || bash scripts/setup.sh --skip-services --skip-code-server
node -e "require('@confluentinc/kafka-javascript')" 2>/dev/null || die "the native Kafka client does not load; run npm run setup first."

target=$(node -p '
  const arch = process.arch;
  const musl = process.platform === "linux" && !process.report?.getReport()?.header?.glibcVersionRuntime;
  (process.platform === "linux" && musl ? "alpine" : process.platform) + "-" + arch')
version=$(node -p 'require("./package.json").version')
out_dir="${KAFKA_LAB_VSIX_DIR:-.}"
mkdir -p "$out_dir"
out="$out_dir/kafka-consumer-lab-$target-$version.vsix"

# vsce runs the vscode:prepublish script (the production esbuild bundle) itself.
# The README links the docs and screenshots relative to the repository (no public URL to rewrite them to).
npx vsce package --target "$target" --out "$out" --allow-missing-repository --no-rewrite-relative-links
# The listing first, then the check: under pipefail, `unzip -l | grep -q` fails whenever grep quits
# early on a match and unzip dies of SIGPIPE, which made a good package look broken.
listing=$(unzip -l "$out") || die "could not list $out."
grep -q 'confluent-kafka-javascript.node' <<<"$listing" || die "$out does not contain the native client addon."
log "wrote $out ($(du -h "$out" | cut -f1)) for $target"
