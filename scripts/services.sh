#!/usr/bin/env bash
# Local services for the tests: a real Apache Kafka 4.x broker (single-node KRaft)
# and a real Confluent-compatible schema registry, all on 127.0.0.1, no Docker.
#
#   scripts/services.sh install   fetch Kafka (Maven Central) and the registry (idempotent)
#   scripts/services.sh start     install if needed, start what is not running, wait until ready
#   scripts/services.sh stop      stop the registry, then Kafka (SIGTERM, bounded wait, SIGKILL)
#   scripts/services.sh status    print the state of each; exit 0 when both are ready
#
# Ports and credentials come from test/services.json (the single source, also read by tests).
# Everything lives under .lab/: cache/ (downloads), run/ (data, configs, pid files), logs/.
#
# The registry is Apicurio Registry (Apache-2.0), served through its Confluent-compatible
# API at /apis/ccompat/v7 and storing its data in the broker (topic kafkasql-journal).
# Karapace was the first choice but is not published on PyPI (pip finds no distribution
# named karapace), so it cannot be installed from the registries this project may use.
# Apicurio 3.0.9 is the newest Apicurio whose runnable distribution (Maven Central,
# io.apicurio:apicurio-registry-app:tar.gz:all) runs on Java 17; 3.3.x needs Java 21.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB="$ROOT/.lab"
CACHE="$LAB/cache"
# Overrides, for a second set of services beside the shared one (the version matrix is developed
# that way): KAFKA_LAB_SERVICES_JSON (ports and users), KAFKA_LAB_RUN_DIR, KAFKA_LAB_LOGS_DIR.
RUN="${KAFKA_LAB_RUN_DIR:-$LAB/run}"
LOGS="${KAFKA_LAB_LOGS_DIR:-$LAB/logs}"
PROBE="$ROOT/scripts/lib/kafkaProbe.mjs"
CONFIG_JSON="${KAFKA_LAB_SERVICES_JSON:-$ROOT/test/services.json}"

# The Kafka version: 4.1.1 unless KAFKA_LAB_KAFKA_VERSION names another (scripts/testMatrix.sh
# runs the integration layer on several). Each version is installed in a directory of its own
# and keeps its own data (a log dir is never opened by an older broker than the one that wrote it).
KAFKA_DEFAULT_VERSION=4.1.1
KAFKA_VERSION="${KAFKA_LAB_KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}"
if [[ ! $KAFKA_VERSION =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || ((BASH_REMATCH[1] < 3 || (BASH_REMATCH[1] == 3 && BASH_REMATCH[2] < 9))); then
  echo "services: KAFKA_LAB_KAFKA_VERSION must be a Kafka release 3.9.0 or newer (x.y.z), got '$KAFKA_VERSION'" >&2
  exit 2
fi
KAFKA_MAJOR=${BASH_REMATCH[1]}
# Kafka 4 logs through log4j2; Kafka 3.x through log4j 1 (reload4j, as its distribution ships).
LOG4J_VERSION=2.24.3
RELOAD4J_VERSION=1.2.25
SLF4J_VERSION=1.7.36
APICURIO_VERSION=3.0.9
DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
# Apicurio's parent POM (io.apicurio:apicurio-registry:3.0.9) is not on Maven Central, and
# dependency plugin 3.x refuses to copy an artifact whose descriptor cannot be read; 2.8
# copies the distribution itself (checksums still verified, -C) without reading it.
DEP_PLUGIN_COPY=org.apache.maven.plugins:maven-dependency-plugin:2.8

# The default version keeps the directories it always had (.lab/cache/kafka, .lab/run/kafka):
# other tests start private brokers from .lab/cache/kafka/libs.
if [[ $KAFKA_VERSION == "$KAFKA_DEFAULT_VERSION" ]]; then KAFKA_SUFFIX=""; else KAFKA_SUFFIX="-$KAFKA_VERSION"; fi
KAFKA_HOME="$CACHE/kafka$KAFKA_SUFFIX"
KAFKA_LIBS="$KAFKA_HOME/libs"
if ((KAFKA_MAJOR >= 4)); then
  KAFKA_LOGGING="log4j-$LOG4J_VERSION"
else
  KAFKA_LOGGING="reload4j-$RELOAD4J_VERSION"
fi
KAFKA_MARKER="$KAFKA_HOME/.installed-$KAFKA_VERSION-$KAFKA_LOGGING"
REG_HOME="$CACHE/apicurio-registry-$APICURIO_VERSION"
REG_JAR="$REG_HOME/apicurio-registry-app-$APICURIO_VERSION-runner.jar"
REG_MARKER="$REG_HOME/.installed"

KAFKA_RUN="$RUN/kafka$KAFKA_SUFFIX"
KAFKA_CONF="$KAFKA_RUN/server.properties"
KAFKA_DATA="$KAFKA_RUN/data"
KAFKA_PID="$RUN/kafka$KAFKA_SUFFIX.pid"
REG_RUN="$RUN/registry"
REG_PID="$RUN/registry.pid"

KAFKA_READY_TIMEOUT="${LAB_KAFKA_READY_TIMEOUT:-90}"
REG_READY_TIMEOUT="${LAB_REGISTRY_READY_TIMEOUT:-120}"
MVN_TIMEOUT="${LAB_MVN_TIMEOUT:-600}"

die() { echo "services: $*" >&2; exit 1; }
say() { echo "services: $*"; }
# The TLS listeners, the OIDC identity provider and the registry's TLS proxy.
# shellcheck source=lib/security.sh
source "$ROOT/scripts/lib/security.sh"

# ---------------------------------------------------------------- configuration

need_node() {
  command -v node >/dev/null 2>&1 || die "node not found on PATH: install Node.js 20+ (e.g. apt-get install -y nodejs)"
}

# Reads test/services.json into shell variables (KAFKA_PLAINTEXT, SCRAM_USER, ...).
load_config() {
  need_node
  [[ -f $CONFIG_JSON ]] || die "missing $CONFIG_JSON (ports and credentials of the local services)"
  local js out key value
  js=$(cat <<'EOF'
const c = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
const hp = (v, what) => { if (!/^127\.0\.0\.1:\d{1,5}$/.test(v ?? '')) throw new Error(`${what} must be 127.0.0.1:PORT, got ${v}`); return v; };
const cred = (v, what) => { if (!/^[A-Za-z0-9._@-]+$/.test(v ?? '')) throw new Error(`${what} must match [A-Za-z0-9._@-]+`); return v; };
const url = c.registry?.url ?? '';
const m = /^http:\/\/(127\.0\.0\.1:\d{1,5})(\/.*)?$/.exec(url);
if (!m) throw new Error(`registry.url must be http://127.0.0.1:PORT[/path], got ${url}`);
const out = {
  KAFKA_PLAINTEXT: hp(c.kafka?.plaintext, 'kafka.plaintext'),
  KAFKA_SASL: hp(c.kafka?.saslPlaintext, 'kafka.saslPlaintext'),
  KAFKA_CONTROLLER: hp(c.kafka?.controller, 'kafka.controller'),
  SCRAM_USER: cred(c.users?.scram?.username, 'users.scram.username'),
  SCRAM_PASSWORD: cred(c.users?.scram?.password, 'users.scram.password'),
  PLAIN_USER: cred(c.users?.plain?.username, 'users.plain.username'),
  PLAIN_PASSWORD: cred(c.users?.plain?.password, 'users.plain.password'),
  REG_LISTEN: m[1],
  REG_URL: url.replace(/\/$/, ''),
  REG_READY_URL: c.registry?.readyUrl ?? `http://${m[1]}/health/ready`,
};
for (const [k, v] of Object.entries(out)) console.log(`${k}=${v}`);
EOF
)
  out=$(node -e "$js" "$CONFIG_JSON" 2>&1) || die "bad $CONFIG_JSON: $(grep -m1 -E 'Error' <<<"$out" || echo "$out" | tail -1)"
  while IFS='=' read -r key value; do
    case $key in
      KAFKA_PLAINTEXT|KAFKA_SASL|KAFKA_CONTROLLER|SCRAM_USER|SCRAM_PASSWORD|PLAIN_USER|PLAIN_PASSWORD|REG_LISTEN|REG_URL|REG_READY_URL)
        printf -v "$key" '%s' "$value" ;;
    esac
  done <<<"$out"
  REG_PORT="${REG_LISTEN##*:}"
  load_security_config
}

# ---------------------------------------------------------------- prerequisites

need_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH: install Java 17+ (apt-get install -y openjdk-17-jre-headless)"
  local v major
  v=$(java -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -1)
  major=${v%%.*}
  [[ $major =~ ^[0-9]+$ && $major -ge 17 ]] || die "java ${v:-unknown} found, Kafka $KAFKA_VERSION and the registry need Java 17+ (apt-get install -y openjdk-17-jre-headless)"
}

need_mvn() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH: install Maven (apt-get install -y maven), it fetches Kafka from Maven Central"
}

# Runs Maven bounded in time; on failure prints one line naming the cause.
run_mvn() { # what logfile args...
  local what=$1 log=$2 rc=0
  shift 2
  timeout --kill-after=10 "$MVN_TIMEOUT" mvn -B -q -C \
    -Dmaven.wagon.http.retryHandler.count=2 -Dmaven.wagon.rto=60000 \
    -Daether.connector.connectTimeout=20000 -Daether.connector.requestTimeout=60000 \
    "$@" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then
    local hint
    if ((rc == 124 || rc == 137)); then
      hint="Maven did not finish within ${MVN_TIMEOUT}s"
    elif grep -qiE 'UnknownHost|Connect(ion)? (refused|timed out)|Could not transfer|Network is unreachable|resolve dependencies|PKIX' "$log"; then
      hint="Maven Central unreachable: $(grep -m1 -iE 'UnknownHost|Connect(ion)? (refused|timed out)|Could not transfer|Network is unreachable|resolve dependencies|PKIX' "$log" | sed -E 's/\x1b\[[0-9;]*m//g; s/^\[ERROR\] *//' | cut -c1-220)"
    else
      hint="mvn exit $rc: $(grep -m1 -E 'ERROR' "$log" | sed -E 's/\x1b\[[0-9;]*m//g; s/^\[ERROR\] *//' | cut -c1-220)"
    fi
    die "could not fetch $what ($hint); check access to Maven Central (or ~/.m2/settings.xml mirror/proxy) and rerun; log: $log"
  fi
}

# The slf4j binding and logging backend a broker of this version runs with.
logging_dependencies() {
  if ((KAFKA_MAJOR >= 4)); then
    cat <<EOF
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>
EOF
  else
    cat <<EOF
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>$RELOAD4J_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
EOF
  fi
}

install_kafka() {
  [[ -f $KAFKA_MARKER && -d $KAFKA_LIBS ]] && return 0
  need_mvn
  say "installing Kafka $KAFKA_VERSION from Maven Central into ${KAFKA_HOME#"$ROOT"/} ..."
  mkdir -p "$KAFKA_HOME" "$LOGS"
  cat >"$KAFKA_HOME/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/services.sh: the runtime class path of a Kafka broker and its tools. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lab.local</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
$(logging_dependencies)
  </dependencies>
</project>
EOF
  rm -rf "$KAFKA_HOME/libs.tmp"
  (cd "$KAFKA_HOME" && run_mvn "Kafka $KAFKA_VERSION" "$LOGS/install-kafka$KAFKA_SUFFIX.log" \
    "$DEP_PLUGIN:copy-dependencies" -DincludeScope=runtime -DoutputDirectory=libs.tmp)
  ls "$KAFKA_HOME/libs.tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 \
    || die "Maven finished but kafka_2.13-$KAFKA_VERSION.jar is missing; log: $LOGS/install-kafka$KAFKA_SUFFIX.log"
  rm -rf "$KAFKA_LIBS"
  mv "$KAFKA_HOME/libs.tmp" "$KAFKA_LIBS"
  rm -f "$KAFKA_HOME"/.installed-*
  touch "$KAFKA_MARKER"
}

install_registry() {
  [[ -f $REG_MARKER && -f $REG_JAR ]] && return 0
  need_mvn
  say "installing Apicurio Registry $APICURIO_VERSION from Maven Central into ${REG_HOME#"$ROOT"/} ..."
  local dl="$CACHE/downloads" tgz="apicurio-registry-app-$APICURIO_VERSION-all.tar.gz"
  mkdir -p "$dl" "$LOGS"
  # dependency:copy needs a project to run in; the Kafka POM directory is one.
  mkdir -p "$KAFKA_HOME"
  [[ -f $KAFKA_HOME/pom.xml ]] || install_kafka
  (cd "$KAFKA_HOME" && run_mvn "Apicurio Registry $APICURIO_VERSION" "$LOGS/install-registry.log" \
    "$DEP_PLUGIN_COPY:copy" "-Dartifact=io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" \
    "-DoutputDirectory=$dl")
  [[ -f $dl/$tgz ]] || die "Maven finished but $tgz is missing; log: $LOGS/install-registry.log"
  rm -rf "$REG_HOME.tmp"
  mkdir -p "$REG_HOME.tmp"
  tar -xzf "$dl/$tgz" -C "$REG_HOME.tmp" || die "could not unpack $dl/$tgz (delete it and rerun install)"
  [[ -f $REG_HOME.tmp/${REG_JAR##*/} ]] || die "unexpected layout of $tgz: ${REG_JAR##*/} not found"
  rm -rf "$REG_HOME"
  mv "$REG_HOME.tmp" "$REG_HOME"
  rm -f "$dl/$tgz"
  touch "$REG_MARKER"
}

cmd_install() {
  need_java
  need_node
  install_kafka
  install_registry
}

# ---------------------------------------------------------------- processes

# True when $1 is a live pid whose command line contains $2.
is_ours() {
  [[ $1 =~ ^[0-9]+$ ]] && [[ -r /proc/$1/cmdline ]] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# Pid of our running broker / registry (by pid file, else by its unique command line), or nothing.
find_pid() { # pidfile marker
  local pid=""
  [[ -f $1 ]] && pid=$(<"$1")
  if is_ours "$pid" "$2"; then echo "$pid"; return 0; fi
  pgrep -f -- "$2" 2>/dev/null | head -1 || true
}
kafka_pid() { find_pid "$KAFKA_PID" "kafka.Kafka $KAFKA_CONF"; }
# A broker of this run dir of another Kafka version ("pid version"), or nothing: the versions share ports.
other_kafka() {
  local pid conf version
  for pid in $(pgrep -f -- "kafka.Kafka $RUN/kafka" 2>/dev/null || true); do
    conf=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -m1 -E '/server\.properties$' || true)
    [[ $conf == "$KAFKA_CONF" || -z $conf || ${conf%/server.properties} != "$RUN"/kafka* ]] && continue
    version=${conf%/server.properties}
    version=${version#"$RUN"/kafka}
    echo "$pid ${version#-}"
    return 0
  done
}
reg_pid() { find_pid "$REG_PID" "-Dlab.service=$REG_RUN"; }

kafka_ready() { node "$PROBE" "$KAFKA_PLAINTEXT" "${1:-3000}"; }

# Ready = storage bootstrapped (GET /health/ready is 200 only once the journal is replayed;
# before that /subjects already answers 200 with a partial list) and GET .../subjects is 200.
reg_ready() {
  node -e '
    const get = async (url) => {
      const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (r.status !== 200) throw new Error(`GET ${url}: HTTP ${r.status}`);
    };
    (async () => { for (const url of process.argv.slice(1)) await get(url); })()
      .catch((e) => { console.error(e.cause?.code ?? e.message); process.exit(1); });
  ' "$REG_READY_URL" "$REG_URL/subjects"
}

# Exits with one line when a port is taken (by something that is not ours: callers only
# check the ports of services that are not running).
check_port_free() { # service host:port
  local port=${2##*:} line
  if command -v ss >/dev/null 2>&1; then
    line=$(ss -Hltnp "sport = :$port" 2>/dev/null | head -1)
    [[ -z $line ]] && return 0
    die "cannot start $1: port $2 is already in use by another process ($(grep -oE '"[^"]+",pid=[0-9]+' <<<"$line" | head -1 | sed -E 's/"([^"]+)",pid=/\1 pid /' || echo unknown)); stop it or change $CONFIG_JSON"
  elif timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
    die "cannot start $1: port $2 is already in use by another process; stop it or change $CONFIG_JSON"
  fi
}

tail_hint() { # logfile
  grep -E 'ERROR|FATAL|Exception|Error:' "$1" 2>/dev/null | tail -1 | cut -c1-240
}

stop_pid() { # name pid wait-seconds
  local name=$1 pid=$2 wait_s=$3 deadline
  kill -TERM "$pid" 2>/dev/null || return 0
  deadline=$((SECONDS + wait_s))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "$name (pid $pid) still running after ${wait_s}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && die "$name (pid $pid) survived SIGKILL"
  fi
  return 0
}

# ---------------------------------------------------------------- Kafka

write_kafka_config() {
  mkdir -p "$KAFKA_RUN" "$KAFKA_DATA" "$LOGS"
  cat >"$KAFKA_CONF" <<EOF
# Generated by scripts/services.sh from test/services.json; rewritten on every start.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$KAFKA_CONTROLLER
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$KAFKA_PLAINTEXT,SASL_PLAINTEXT://$KAFKA_SASL,CONTROLLER://$KAFKA_CONTROLLER$(security_listeners)
advertised.listeners=PLAINTEXT://$KAFKA_PLAINTEXT,SASL_PLAINTEXT://$KAFKA_SASL$(security_listeners)
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT$(security_protocol_map)
inter.broker.listener.name=PLAINTEXT

sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$PLAIN_USER="$PLAIN_PASSWORD";
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;

log.dirs=$KAFKA_DATA
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
log.segment.bytes=16777216
EOF
  write_security_properties >>"$KAFKA_CONF"
  cat >"$KAFKA_RUN/log4j2.properties" <<'EOF'
# Generated by scripts/services.sh: everything to stdout, which start redirects to .lab/logs/kafka.log.
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
EOF
  # Short-lived tools (StorageTool, TopicCommand, ConfigCommand): warnings only.
  sed 's/^rootLogger.level = INFO/rootLogger.level = WARN/' "$KAFKA_RUN/log4j2.properties" >"$KAFKA_RUN/tools-log4j2.properties"
  # Kafka 3.x: the same through log4j 1 (reload4j).
  cat >"$KAFKA_RUN/log4j.properties" <<'EOF'
# Generated by scripts/services.sh: everything to stdout, which start redirects to .lab/logs/kafka.log.
log4j.rootLogger=INFO, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.controller=INFO
EOF
  sed 's/^log4j.rootLogger=INFO/log4j.rootLogger=WARN/' "$KAFKA_RUN/log4j.properties" >"$KAFKA_RUN/tools-log4j.properties"
}

# The JVM option that points the broker (or a tool: tools-) at its logging configuration.
kafka_log_option() { # [tools-]
  if ((KAFKA_MAJOR >= 4)); then
    echo "-Dlog4j2.configurationFile=$KAFKA_RUN/${1:-}log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$KAFKA_RUN/${1:-}log4j.properties"
  fi
}

# ConfigCommand is in core (kafka.admin) up to Kafka 4.1 and in the tools module in 4.4. A zip's central
# directory holds the class names uncompressed, so the jar tells which one this version has.
config_command() {
  if grep -qa 'org/apache/kafka/tools/ConfigCommand.class' "$KAFKA_LIBS/kafka-tools-$KAFKA_VERSION.jar" 2>/dev/null; then
    echo org.apache.kafka.tools.ConfigCommand
  else
    echo kafka.admin.ConfigCommand
  fi
}

kafka_java() { # main-class args... (short-lived tools, bounded in time)
  timeout --kill-after=5 120 java -Xmx256m "$(kafka_log_option tools-)" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# A Kafka cluster id: 16 random bytes, base64url without padding, not starting with '-'.
random_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')
    [[ $id != -* ]] && { echo "$id"; return; }
  done
}

scram_fingerprint() { printf '%s' "SCRAM-SHA-512:$SCRAM_USER:$SCRAM_PASSWORD" | sha256sum | cut -d' ' -f1; }

format_kafka_if_needed() {
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  local id
  id=$(random_cluster_id)
  say "formatting the KRaft log dir (cluster $id, SCRAM-SHA-512 user $SCRAM_USER)"
  {
    echo "==== $(date -Is) services.sh: kafka.tools.StorageTool format"
    kafka_java kafka.tools.StorageTool format -t "$id" -c "$KAFKA_CONF" --standalone \
      --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]"
  } >>"$LOGS/kafka.log" 2>&1 || die "formatting $KAFKA_DATA failed: $(tail_hint "$LOGS/kafka.log"); see $LOGS/kafka.log"
  scram_fingerprint >"$KAFKA_RUN/scram.sha256"
}

# When the SCRAM credentials in services.json changed since the format, upsert them.
sync_scram_user() {
  local want
  want=$(scram_fingerprint)
  [[ -f $KAFKA_RUN/scram.sha256 && $(<"$KAFKA_RUN/scram.sha256") == "$want" ]] && return 0
  say "setting SCRAM-SHA-512 credentials of $SCRAM_USER"
  {
    echo "==== $(date -Is) services.sh: ConfigCommand (SCRAM user $SCRAM_USER)"
    kafka_java "$(config_command)" --bootstrap-server "$KAFKA_PLAINTEXT" --alter --entity-type users \
      --entity-name "$SCRAM_USER" --add-config "SCRAM-SHA-512=[password=$SCRAM_PASSWORD]"
  } >>"$LOGS/kafka.log" 2>&1 || die "could not set SCRAM credentials of $SCRAM_USER: $(tail_hint "$LOGS/kafka.log")"
  echo "$want" >"$KAFKA_RUN/scram.sha256"
}

wait_kafka_ready() { # pid
  local pid=$1 deadline=$((SECONDS + KAFKA_READY_TIMEOUT)) err
  while :; do
    if err=$(kafka_ready 3000 2>&1 >/dev/null); then return 0; fi
    kill -0 "$pid" 2>/dev/null || { rm -f "$KAFKA_PID"; die "kafka (pid $pid) exited during start-up: $(tail_hint "$LOGS/kafka.log"); see $LOGS/kafka.log"; }
    ((SECONDS >= deadline)) && { stop_pid kafka "$pid" 30 >&2; rm -f "$KAFKA_PID"; die "kafka not ready after ${KAFKA_READY_TIMEOUT}s: waited for a Kafka Metadata answer listing a broker on $KAFKA_PLAINTEXT (last: ${err#kafkaProbe: }); stopped it; see $LOGS/kafka.log"; }
    sleep 0.5
  done
}

start_kafka() {
  local pid
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then
    echo "$pid" >"$KAFKA_PID"
    if kafka_ready 3000 >/dev/null 2>&1; then say "kafka already running (pid $pid)"; return 0; fi
    say "kafka (pid $pid) is starting; waiting for it"
    wait_kafka_ready "$pid"
    sync_scram_user
    return 0
  fi
  rm -f "$KAFKA_PID"
  write_kafka_config
  format_kafka_if_needed
  echo "==== $(date -Is) services.sh: starting kafka.Kafka $KAFKA_VERSION" >>"$LOGS/kafka.log"
  (
    cd "$KAFKA_RUN"
    exec setsid nohup java -Xms256m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Djava.awt.headless=true -Djava.io.tmpdir="$KAFKA_RUN" \
      "$(kafka_log_option)" -Dkafka.logs.dir="$LOGS" "$(security_jvm_opts)" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF"
  ) >>"$LOGS/kafka.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$KAFKA_PID"
  wait_kafka_ready "$pid"
  sync_scram_user
  say "kafka ready (pid $pid): PLAINTEXT $KAFKA_PLAINTEXT, SASL_PLAINTEXT $KAFKA_SASL (PLAIN, SCRAM-SHA-512)"
}

# ---------------------------------------------------------------- registry

write_registry_config() {
  mkdir -p "$REG_RUN/config" "$REG_RUN/tmp" "$LOGS"
  # Quarkus reads ./config/application.properties from its working directory.
  cat >"$REG_RUN/config/application.properties" <<EOF
# Generated by scripts/services.sh from test/services.json; rewritten on every start.
quarkus.http.host=${REG_LISTEN%:*}
quarkus.http.port=$REG_PORT
quarkus.http.access-log.enabled=false
quarkus.log.console.color=false
# Schemas are stored in the broker (topics kafkasql-journal and kafkasql-snapshots),
# so they live as long as Kafka's data under .lab/run/kafka/data.
apicurio.storage.kind=kafkasql
apicurio.kafkasql.bootstrap.servers=$KAFKA_PLAINTEXT
apicurio.storage.snapshot.location=$REG_RUN/tmp
# Confluent Schema Registry's default compatibility level (Apicurio's own default is NONE).
apicurio.rules.global.compatibility=BACKWARD
EOF
}

# The registry keeps every schema as a record of its journal topic. Kafka's default retention
# (7 days) would delete them, so the topics are created here, once per cluster, with
# retention.ms=-1 before the registry's first start (it would create them itself otherwise).
ensure_registry_topics() {
  local cluster marker topic
  cluster=$(sed -n 's/^cluster.id=//p' "$KAFKA_DATA/meta.properties" 2>/dev/null)
  marker="$KAFKA_RUN/registry-topics-${cluster:-unknown}"
  [[ -f $marker ]] && return 0
  for topic in kafkasql-journal kafkasql-snapshots; do
    {
      echo "==== $(date -Is) services.sh: TopicCommand --create $topic (retention.ms=-1)"
      kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$KAFKA_PLAINTEXT" --create --if-not-exists \
        --topic "$topic" --partitions 1 --replication-factor 1 --config retention.ms=-1 &&
      kafka_java "$(config_command)" --bootstrap-server "$KAFKA_PLAINTEXT" --alter --entity-type topics \
        --entity-name "$topic" --add-config retention.ms=-1
    } >>"$LOGS/kafka.log" 2>&1 || die "could not create the registry topic $topic: $(tail_hint "$LOGS/kafka.log"); see $LOGS/kafka.log"
  done
  touch "$marker"
}

# Apicurio enforces apicurio.rules.global.compatibility but its ccompat GET /config still
# answers NONE until a level is stored; store BACKWARD once per cluster, as Confluent reports.
store_registry_compatibility() {
  local cluster marker err
  cluster=$(sed -n 's/^cluster.id=//p' "$KAFKA_DATA/meta.properties" 2>/dev/null)
  marker="$REG_RUN/compatibility-${cluster:-unknown}"
  [[ -f $marker ]] && return 0
  err=$(node -e '
    fetch(process.argv[1], { method: "PUT", body: JSON.stringify({ compatibility: "BACKWARD" }),
      headers: { "Content-Type": "application/vnd.schemaregistry.v1+json" }, signal: AbortSignal.timeout(10000) })
      .then(async (r) => { if (r.status !== 200) { console.error(`HTTP ${r.status} ${await r.text()}`); process.exit(1); } })
      .catch((e) => { console.error(e.cause?.code ?? e.message); process.exit(1); });
  ' "$REG_URL/config" 2>&1) || die "could not set the registry's global compatibility to BACKWARD: $err"
  touch "$marker"
}

wait_reg_ready() { # pid
  local pid=$1 deadline=$((SECONDS + REG_READY_TIMEOUT)) err
  while :; do
    if err=$(reg_ready 2>&1); then return 0; fi
    kill -0 "$pid" 2>/dev/null || { rm -f "$REG_PID"; die "registry (pid $pid) exited during start-up: $(tail_hint "$LOGS/registry.log"); see $LOGS/registry.log"; }
    ((SECONDS >= deadline)) && { stop_pid registry "$pid" 30 >&2; rm -f "$REG_PID"; die "registry not ready after ${REG_READY_TIMEOUT}s: waited for HTTP 200 from GET $REG_READY_URL and $REG_URL/subjects (last: $err); stopped it; see $LOGS/registry.log"; }
    sleep 0.5
  done
}

start_registry() {
  local pid
  pid=$(reg_pid)
  if [[ -n $pid ]]; then
    echo "$pid" >"$REG_PID"
    if reg_ready >/dev/null 2>&1; then say "registry already running (pid $pid)"; return 0; fi
    say "registry (pid $pid) is starting; waiting for it"
    wait_reg_ready "$pid"
    return 0
  fi
  rm -f "$REG_PID"
  ensure_registry_topics
  write_registry_config
  echo "==== $(date -Is) services.sh: starting Apicurio Registry $APICURIO_VERSION" >>"$LOGS/registry.log"
  (
    cd "$REG_RUN"
    exec setsid nohup java -Xms128m -Xmx512m -Djava.awt.headless=true -Djava.io.tmpdir="$REG_RUN/tmp" \
      "-Dlab.service=$REG_RUN" -jar "$REG_JAR"
  ) >>"$LOGS/registry.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$REG_PID"
  wait_reg_ready "$pid"
  store_registry_compatibility
  say "registry ready (pid $pid): $REG_URL (Confluent-compatible API of Apicurio Registry $APICURIO_VERSION)"
}

# ---------------------------------------------------------------- commands

cmd_start() {
  load_config
  local kpid rpid
  kpid=$(kafka_pid)
  rpid=$(reg_pid)
  # Fast path: both running and ready.
  if [[ -n $kpid && -n $rpid ]] && kafka_ready 3000 >/dev/null 2>&1 && reg_ready >/dev/null 2>&1; then
    echo "$kpid" >"$KAFKA_PID"
    echo "$rpid" >"$REG_PID"
    ensure_certs
    start_oidc
    start_registry_tls
    warn_if_tls_listeners_missing
    say "already running: kafka $KAFKA_VERSION (pid $kpid) on $KAFKA_PLAINTEXT, registry (pid $rpid) at $REG_URL"
    return 0
  fi
  # Ports of the services we are about to start must be free (all checked before starting any).
  if [[ -z $kpid ]]; then
    local other
    other=$(other_kafka)
    if [[ -n $other ]]; then
      local other_version=${other#* }
      die "cannot start Kafka $KAFKA_VERSION: Kafka ${other_version:-$KAFKA_DEFAULT_VERSION} (pid ${other%% *}) runs on the same ports; stop it first (bash scripts/services.sh stop stops any version)"
    fi
    check_port_free kafka "$KAFKA_PLAINTEXT"
    check_port_free kafka "$KAFKA_SASL"
    check_port_free kafka "$KAFKA_CONTROLLER"
    local port
    for port in $(security_kafka_ports); do check_port_free kafka "$port"; done
  fi
  [[ -z $rpid ]] && check_port_free registry "$REG_LISTEN"
  cmd_install
  mkdir -p "$RUN" "$LOGS"
  ensure_certs
  start_oidc
  start_kafka
  warn_if_tls_listeners_missing
  start_registry
  start_registry_tls
}

cmd_stop() {
  load_config
  local pid
  stop_security_services
  pid=$(reg_pid)
  if [[ -n $pid ]]; then
    say "stopping registry (pid $pid)"
    stop_pid registry "$pid" 30
  fi
  rm -f "$REG_PID"
  pid=$(kafka_pid)
  if [[ -n $pid ]]; then
    say "stopping kafka $KAFKA_VERSION (pid $pid)"
    stop_pid kafka "$pid" 60
  fi
  rm -f "$KAFKA_PID"
  # Whatever version runs on these ports (a matrix run that was interrupted) is stopped too.
  local other
  while other=$(other_kafka) && [[ -n $other ]]; do
    say "stopping kafka ${other#* } (pid ${other%% *})"
    stop_pid kafka "${other%% *}" 60
  done
  rm -f "$RUN"/kafka-*.pid
  say "stopped"
}

cmd_status() {
  load_config
  local pid ok=0 out
  pid=$(kafka_pid)
  if [[ -z $pid ]]; then
    echo "kafka: down"; ok=1
  elif out=$(kafka_ready 3000 2>&1); then
    echo "kafka: up (pid $pid) - $out"
  else
    echo "kafka: running (pid $pid) but not ready - ${out#kafkaProbe: }"; ok=1
  fi
  pid=$(reg_pid)
  if [[ -z $pid ]]; then
    echo "registry: down"; ok=1
  elif out=$(reg_ready 2>&1); then
    echo "registry: up (pid $pid) - $REG_URL"
  else
    echo "registry: running (pid $pid) but not ready - $out"; ok=1
  fi
  security_status || ok=1
  return $ok
}

# Sourced (scripts/cluster.sh reuses the install, process and config helpers): define only.
[[ ${BASH_SOURCE[0]} != "$0" ]] && return 0

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
