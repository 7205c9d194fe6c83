#!/usr/bin/env bash
# An optional three-broker Apache Kafka cluster (KRaft) for the failover tests (`npm run test:cluster`),
# beside the single default broker of scripts/services.sh, which it never touches: its own ports
# (test/cluster.json), data (.lab/run/cluster/) and logs (.lab/logs/cluster-node-N.log). It runs the
# jars scripts/services.sh installs (the same Kafka version, KAFKA_LAB_KAFKA_VERSION included).
#
#   scripts/cluster.sh start        install Kafka if needed, start what is not running, wait until all
#                                   three brokers are registered with the controller
#   scripts/cluster.sh stop         stop the brokers (SIGTERM, bounded, then SIGKILL), then the controller
#   scripts/cluster.sh status       each node's state; exit 0 when every node is up
#   scripts/cluster.sh kill N       SIGKILL broker N (its node id, 1-3) and wait until it is gone
#   scripts/cluster.sh restart N    stop broker N if it runs (SIGTERM), start it, and wait until the
#                                   controller has it registered (unfenced) again
#   scripts/cluster.sh wipe         stop everything and delete the cluster's data
#
# Topology: one KRaft controller (node 100) and three brokers (1, 2, 3), each its own JVM with a
# small heap and few threads (2 cores are shared). default.replication.factor=3 and
# min.insync.replicas=2, for the internal topics too. The controller is separate, not combined with
# the brokers: with three combined nodes, two of them down would also take the controller quorum,
# and without a controller an ISR never shrinks, so "min.insync.replicas not met" could not happen
# the way it does on a real cluster. The tests stop brokers, never the controller.
set -euo pipefail

CLUSTER_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/cluster.sh"
# The install, process and logging helpers of the single broker (defines functions and paths only).
# shellcheck source=services.sh
source "$(dirname "$CLUSTER_SCRIPT")/services.sh"
die() { echo "cluster: $*" >&2; exit 1; }
say() { echo "cluster: $*"; }

CLUSTER_JSON="${KAFKA_LAB_CLUSTER_JSON:-$ROOT/test/cluster.json}"
# check_port_free names the file that holds the ports.
CONFIG_JSON="$CLUSTER_JSON"
CLUSTER_RUN="$RUN/cluster$KAFKA_SUFFIX"
# kafka_java and kafka_log_option read their logging configuration from $KAFKA_RUN.
KAFKA_RUN="$CLUSTER_RUN"
CLUSTER_READY_TIMEOUT="${LAB_CLUSTER_READY_TIMEOUT:-180}"
BROKER_HEAP="${LAB_CLUSTER_BROKER_HEAP:-384m}"

# ---------------------------------------------------------------- configuration

load_cluster_config() {
  need_node
  [[ -f $CLUSTER_JSON ]] || die "missing $CLUSTER_JSON (node ids and ports of the three-broker cluster)"
  local js out key value
  js=$(cat <<'EOF'
const c = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
const hp = (v, what) => { if (!/^127\.0\.0\.1:\d{1,5}$/.test(v ?? '')) throw new Error(`${what} must be 127.0.0.1:PORT, got ${v}`); return v; };
const id = (v, what) => { if (!Number.isInteger(v) || v < 0 || v > 1000) throw new Error(`${what} must be an integer 0-1000, got ${v}`); return v; };
if (!Array.isArray(c.brokers) || c.brokers.length !== 3) throw new Error('brokers must list exactly three brokers');
const ids = c.brokers.map((b, i) => id(b.nodeId, `brokers[${i}].nodeId`));
const ctrl = id(c.controller?.nodeId, 'controller.nodeId');
if (new Set([...ids, ctrl]).size !== 4) throw new Error('node ids must be distinct');
// A port in the ephemeral range can be taken by a client's own reconnect while its broker is down
// (Linux connects such a socket to itself: 127.0.0.1:P -> 127.0.0.1:P), and the broker cannot start again.
let range = [32768, 60999];
try { range = require('node:fs').readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number); } catch {}
for (const addr of [c.controller?.listen, ...c.brokers.map((b) => b.plaintext)]) {
  const port = Number(String(addr).split(':')[1]);
  if (port >= range[0] && port <= range[1]) throw new Error(`port ${port} is in the ephemeral port range ${range[0]}-${range[1]} (net.ipv4.ip_local_port_range): a reconnecting client can take it while its broker is down; choose ports below ${range[0]}`);
}
console.log(`CTRL_ID=${ctrl}`);
console.log(`CTRL_LISTEN=${hp(c.controller?.listen, 'controller.listen')}`);
console.log(`BROKER_IDS=${ids.join(' ')}`);
c.brokers.forEach((b, i) => console.log(`BROKER_${b.nodeId}=${hp(b.plaintext, `brokers[${i}].plaintext`)}`));
console.log(`MIN_ISR=${id(c.minInsyncReplicas ?? 2, 'minInsyncReplicas')}`);
console.log(`RF=${id(c.replicationFactor ?? 3, 'replicationFactor')}`);
EOF
)
  out=$(node -e "$js" "$CLUSTER_JSON" 2>&1) || die "bad $CLUSTER_JSON: $(grep -m1 -E 'Error' <<<"$out" || echo "$out" | tail -1)"
  declare -gA BROKER_ADDR=()
  while IFS='=' read -r key value; do
    case $key in
      CTRL_ID | CTRL_LISTEN | BROKER_IDS | MIN_ISR | RF) printf -v "$key" '%s' "$value" ;;
      BROKER_*) BROKER_ADDR[${key#BROKER_}]=$value ;;
    esac
  done <<<"$out"
  # shellcheck disable=SC2206
  BROKERS=($BROKER_IDS)
  BOOTSTRAP=$(for b in "${BROKERS[@]}"; do printf '%s,' "${BROKER_ADDR[$b]}"; done)
  BOOTSTRAP=${BOOTSTRAP%,}
}

node_dir() { echo "$CLUSTER_RUN/node-$1"; }
node_conf() { echo "$CLUSTER_RUN/node-$1/server.properties"; }
node_pidfile() { echo "$CLUSTER_RUN/node-$1.pid"; }
node_log() { echo "$LOGS/cluster-node-$1.log"; }
node_pid() { find_pid "$(node_pidfile "$1")" "kafka.Kafka $(node_conf "$1")"; }
node_name() { if [[ $1 == "$CTRL_ID" ]]; then echo "controller $1"; else echo "broker $1"; fi; }

is_broker() { # id
  local b
  for b in "${BROKERS[@]}"; do [[ $b == "$1" ]] && return 0; done
  return 1
}

# Few threads and small buffers: the cluster runs on a shared 2-core machine; throughput is not the point.
common_properties() {
  cat <<EOF
controller.quorum.voters=$CTRL_ID@$CTRL_LISTEN
controller.listener.names=CONTROLLER
log.dirs=$(node_dir "$1")/data
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
# A killed broker is fenced (its partitions get new leaders, the ISR shrinks) 3 s after its last heartbeat,
# and a restarted one registers again as soon as that registration expired.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
EOF
}

write_node_config() { # id
  local id=$1 dir
  dir=$(node_dir "$id")
  mkdir -p "$dir/data"
  {
    echo "# Generated by scripts/cluster.sh from ${CLUSTER_JSON#"$ROOT"/}; rewritten on every start."
    if [[ $id == "$CTRL_ID" ]]; then
      echo "process.roles=controller"
      echo "node.id=$id"
      echo "listeners=CONTROLLER://$CTRL_LISTEN"
      echo "listener.security.protocol.map=CONTROLLER:PLAINTEXT"
      # Kafka 4 (eligible leader replicas, KIP-966): the controller stores min.insync.replicas as a
      # cluster-wide dynamic default from its own config, which then wins over the brokers' static one.
      # Set it here, at format time: changing it later (ConfigCommand) writes ClearElrRecords that a
      # restarting 4.1.1 broker fails to replay (NullPointerException in TopicsDelta), and it stays fenced.
      echo "min.insync.replicas=$MIN_ISR"
      common_properties "$id"
    else
      local addr=${BROKER_ADDR[$id]}
      cat <<EOF
process.roles=broker
node.id=$id
listeners=PLAINTEXT://$addr
advertised.listeners=PLAINTEXT://$addr
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
EOF
      common_properties "$id"
      cat <<EOF
num.replica.fetchers=1
log.cleaner.threads=1
num.partitions=1
default.replication.factor=$RF
min.insync.replicas=$MIN_ISR
auto.create.topics.enable=false
unclean.leader.election.enable=false
offsets.topic.replication.factor=$RF
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$RF
transaction.state.log.min.isr=$MIN_ISR
transaction.state.log.num.partitions=3
share.coordinator.state.topic.replication.factor=$RF
share.coordinator.state.topic.min.isr=$MIN_ISR
share.coordinator.state.topic.num.partitions=3
group.initial.rebalance.delay.ms=0
# A follower that stops fetching leaves the ISR after 10 s (a killed one is removed at once when fenced).
replica.lag.time.max.ms=10000
log.retention.hours=24
log.segment.bytes=16777216
EOF
    fi
  } >"$(node_conf "$id")"
}

write_cluster_logging() {
  mkdir -p "$CLUSTER_RUN" "$LOGS"
  # Warnings, plus the lines that tell a failover's story (start-up, elections, fencing, ISR changes).
  cat >"$CLUSTER_RUN/log4j2.properties" <<'EOF'
# Generated by scripts/cluster.sh: to stdout, which start redirects to .lab/logs/cluster-node-N.log.
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = INFO
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
EOF
  sed 's/^logger\.\(server\|controller\)\.level = INFO/logger.\1.level = WARN/' "$CLUSTER_RUN/log4j2.properties" \
    >"$CLUSTER_RUN/tools-log4j2.properties"
  cat >"$CLUSTER_RUN/log4j.properties" <<'EOF'
# Generated by scripts/cluster.sh (Kafka 3.x): to stdout, which start redirects to .lab/logs/cluster-node-N.log.
log4j.rootLogger=WARN, out
log4j.appender.out=org.apache.log4j.ConsoleAppender
log4j.appender.out.layout=org.apache.log4j.PatternLayout
log4j.appender.out.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.org.apache.kafka.controller=INFO
EOF
  cp "$CLUSTER_RUN/log4j.properties" "$CLUSTER_RUN/tools-log4j.properties"
}

# ---------------------------------------------------------------- storage

all_nodes() { echo "$CTRL_ID" "${BROKERS[@]}"; }

any_node_running() {
  local id
  for id in $(all_nodes); do [[ -n $(node_pid "$id") ]] && return 0; done
  return 1
}

# Every node formatted with the cluster's one id. A node whose data is missing is formatted again
# (a broker re-replicates what it led); without the controller's metadata the whole cluster is.
format_if_needed() {
  local id cluster_id="" ctrl_meta
  ctrl_meta="$(node_dir "$CTRL_ID")/data/meta.properties"
  [[ -f $CLUSTER_RUN/cluster-v2.id ]] && cluster_id=$(<"$CLUSTER_RUN/cluster-v2.id")
  if [[ -z $cluster_id || ! -f $ctrl_meta ]] || ! grep -qx "cluster.id=$cluster_id" "$ctrl_meta"; then
    any_node_running && die "the cluster's metadata in ${CLUSTER_RUN#"$ROOT"/} is incomplete while nodes run; run: bash scripts/cluster.sh wipe, then start"
    for id in $(all_nodes); do rm -rf "$(node_dir "$id")/data"; done
    cluster_id=$(random_cluster_id)
    rm -f "$CLUSTER_RUN/cluster.id"
    echo "$cluster_id" >"$CLUSTER_RUN/cluster-v2.id"
    say "formatting a new cluster $cluster_id (controller $CTRL_ID, brokers ${BROKERS[*]})"
  fi
  for id in $(all_nodes); do
    [[ -f $(node_dir "$id")/data/meta.properties ]] && continue
    mkdir -p "$(node_dir "$id")/data"
    {
      echo "==== $(date -Is) cluster.sh: kafka.tools.StorageTool format ($(node_name "$id"))"
      kafka_java kafka.tools.StorageTool format -t "$cluster_id" -c "$(node_conf "$id")"
    } >>"$(node_log "$id")" 2>&1 || die "formatting $(node_name "$id") failed: $(tail_hint "$(node_log "$id")"); see $(node_log "$id")"
  done
}

# ---------------------------------------------------------------- processes

launch_node() { # id
  local id=$1 pid heap=$BROKER_HEAP
  [[ $id == "$CTRL_ID" ]] && heap=256m
  echo "==== $(date -Is) cluster.sh: starting kafka.Kafka $KAFKA_VERSION ($(node_name "$id"))" >>"$(node_log "$id")"
  (
    cd "$(node_dir "$id")"
    # The serial collector and the C1 compiler only: less CPU on a shared 2-core machine.
    exec setsid nohup java -Xms64m "-Xmx$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -Djava.awt.headless=true -Djava.io.tmpdir="$(node_dir "$id")" \
      "$(kafka_log_option)" -Dkafka.logs.dir="$LOGS" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$(node_conf "$id")"
  ) >>"$(node_log "$id")" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$(node_pidfile "$id")"
}

# The brokers the controller has registered and unfenced, as broker $1 sees them (Metadata), one per line.
registered_brokers() { # asked-broker-id
  local out
  out=$(node "$PROBE" "${BROKER_ADDR[$1]}" 3000 2>&1) || return 1
  grep -oE 'brokers=\[[^]]*\]' <<<"$out" | grep -oE '[0-9]+@' | tr -d '@'
}

# Waits (bounded) until each broker named is registered, as seen by itself; exits with what it waited for.
wait_registered() { # ids...
  local deadline=$((SECONDS + CLUSTER_READY_TIMEOUT)) id pid pending seen
  while :; do
    pending=()
    for id in "$@"; do
      # By the pid file, not the command line: a just-launched node may not have exec'ed java yet.
      pid=$(cat "$(node_pidfile "$id")" 2>/dev/null || true)
      [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || die "$(node_name "$id") exited during start-up: $(tail_hint "$(node_log "$id")"); see $(node_log "$id")"
      seen=$(registered_brokers "$id" || true)
      grep -qx "$id" <<<"$seen" || pending+=("$id")
    done
    pid=$(cat "$(node_pidfile "$CTRL_ID")" 2>/dev/null || true)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || die "the controller exited: $(tail_hint "$(node_log "$CTRL_ID")"); see $(node_log "$CTRL_ID")"
    ((${#pending[@]} == 0)) && return 0
    ((SECONDS >= deadline)) && die "not ready after ${CLUSTER_READY_TIMEOUT}s: waited for broker(s) ${pending[*]} to answer Metadata listing themselves (registered with controller $CTRL_ID at $CTRL_LISTEN); see $LOGS/cluster-node-*.log"
    sleep 0.5
  done
}

stop_node() { # id wait-seconds
  local pid
  pid=$(node_pid "$1")
  if [[ -n $pid ]]; then
    say "stopping $(node_name "$1") (pid $pid)"
    stop_pid "$(node_name "$1")" "$pid" "$2"
  fi
  rm -f "$(node_pidfile "$1")"
}

need_broker_arg() { # value
  [[ ${1:-} =~ ^[0-9]+$ ]] && is_broker "$1" || die "name a broker by its node id: one of ${BROKERS[*]} (got '${1:-}')"
}

# ---------------------------------------------------------------- commands

cmd_start_cluster() {
  load_cluster_config
  local id missing=() running=()
  for id in $(all_nodes); do
    if [[ -n $(node_pid "$id") ]]; then running+=("$id"); else missing+=("$id"); fi
  done
  if ((${#missing[@]} == 0)); then
    wait_registered "${BROKERS[@]}"
    say "already running: brokers ${BROKERS[*]} at $BOOTSTRAP"
    return 0
  fi
  for id in "${missing[@]}"; do
    if [[ $id == "$CTRL_ID" ]]; then check_port_free "controller $id" "$CTRL_LISTEN"; else check_port_free "broker $id" "${BROKER_ADDR[$id]}"; fi
  done
  need_java
  install_kafka
  mkdir -p "$CLUSTER_RUN" "$LOGS"
  write_cluster_logging
  for id in $(all_nodes); do write_node_config "$id"; done
  format_if_needed
  for id in "${missing[@]}"; do launch_node "$id"; done
  wait_registered "${BROKERS[@]}"
  say "ready: Kafka $KAFKA_VERSION, brokers ${BROKERS[*]} at $BOOTSTRAP (RF $RF, min.insync.replicas $MIN_ISR), controller $CTRL_ID at $CTRL_LISTEN"
}

cmd_stop_cluster() {
  load_cluster_config
  local id pids=()
  # The brokers together (each shuts down in a controlled way, handing its leaderships over), then the controller.
  for id in "${BROKERS[@]}"; do
    stop_node "$id" 60 &
    pids+=($!)
  done
  local rc=0 p
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  stop_node "$CTRL_ID" 30 || rc=1
  ((rc == 0)) || die "a node did not stop; see above"
  say "stopped"
}

cmd_status_cluster() {
  load_cluster_config
  local id pid ok=0 seen=""
  for id in "${BROKERS[@]}"; do
    [[ -n $(node_pid "$id") ]] && seen=$(registered_brokers "$id" || true) && [[ -n $seen ]] && break
  done
  for id in $(all_nodes); do
    pid=$(node_pid "$id")
    if [[ -z $pid ]]; then
      echo "$(node_name "$id"): down"; ok=1
    elif [[ $id == "$CTRL_ID" ]]; then
      echo "$(node_name "$id"): running (pid $pid) at $CTRL_LISTEN"
    elif grep -qx "$id" <<<"$seen"; then
      echo "$(node_name "$id"): up (pid $pid) at ${BROKER_ADDR[$id]}"
    else
      echo "$(node_name "$id"): running (pid $pid) but not registered with the controller"; ok=1
    fi
  done
  return $ok
}

cmd_kill_broker() { # id
  load_cluster_config
  need_broker_arg "${1:-}"
  local pid deadline
  pid=$(node_pid "$1")
  if [[ -z $pid ]]; then
    say "broker $1 is not running"
    return 0
  fi
  kill -KILL "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 15))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && die "broker $1 (pid $pid) survived SIGKILL for 15 s"
  rm -f "$(node_pidfile "$1")"
  say "killed broker $1 (pid $pid)"
}

cmd_restart_broker() { # id
  load_cluster_config
  need_broker_arg "${1:-}"
  [[ -n $(node_pid "$CTRL_ID") ]] || die "the controller is not running; start the cluster: bash scripts/cluster.sh start"
  [[ -f $(node_dir "$1")/data/meta.properties ]] || die "broker $1 was never formatted; start the cluster: bash scripts/cluster.sh start"
  stop_node "$1" 60
  check_port_free "broker $1" "${BROKER_ADDR[$1]}"
  write_cluster_logging
  write_node_config "$1"
  launch_node "$1"
  wait_registered "$1"
  say "broker $1 registered again (pid $(node_pid "$1")) at ${BROKER_ADDR[$1]}"
}

cmd_wipe_cluster() {
  cmd_stop_cluster
  rm -rf "$CLUSTER_RUN"
  say "deleted ${CLUSTER_RUN#"$ROOT"/}"
}

case "${1:-}" in
  start) cmd_start_cluster ;;
  stop) cmd_stop_cluster ;;
  status) cmd_status_cluster ;;
  kill) cmd_kill_broker "${2:-}" ;;
  restart) cmd_restart_broker "${2:-}" ;;
  wipe) cmd_wipe_cluster ;;
  *) echo "usage: $0 start|stop|status|kill N|restart N|wipe" >&2; exit 2 ;;
esac
