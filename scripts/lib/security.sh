# shellcheck shell=bash
# The secured half of the test rig, sourced by scripts/services.sh: the TLS listeners of the broker
# (SSL, mTLS, SASL_SSL with SCRAM-SHA-512 and OAUTHBEARER, and two deliberately broken SSL
# listeners: an expired certificate and one for the wrong host name), the local OIDC identity
# provider the broker validates OAUTHBEARER tokens against, and the TLS + basic-auth proxy in
# front of the registry. Everything on 127.0.0.1; addresses and credentials from test/services.json.
#
# Uses from services.sh: ROOT, RUN, LOGS, CONFIG_JSON, die, say, stop_pid, find_pid, check_port_free.

SEC_LIB="$ROOT/scripts/lib"
OIDC_PID="$RUN/oidc.pid"
REGTLS_PID="$RUN/registry-tls.pid"
OIDC_READY_TIMEOUT="${LAB_OIDC_READY_TIMEOUT:-20}"

# Reads the secured endpoints of test/services.json into shell variables. A services file without
# a "tls" section (a second rig set up for another purpose) runs without the secured half.
SECURITY_ENABLED=0
load_security_config() {
  local js out key value
  js=$(cat <<'EOF'
const c = JSON.parse(require('node:fs').readFileSync(process.argv[1], 'utf8'));
if (c.tls === undefined) { console.log('SECURITY_ENABLED=0'); process.exit(0); }
const hp = (v, what) => { if (!/^127\.0\.0\.1:\d{1,5}$/.test(v ?? '')) throw new Error(`${what} must be 127.0.0.1:PORT, got ${v}`); return v; };
const word = (v, what) => { if (!/^[A-Za-z0-9._@-]+$/.test(v ?? '')) throw new Error(`${what} must match [A-Za-z0-9._@-]+`); return v; };
const httpUrl = (v, what) => { if (!/^http:\/\/127\.0\.0\.1:\d{1,5}(\/[A-Za-z0-9._~\/-]*)?$/.test(v ?? '')) throw new Error(`${what} must be http://127.0.0.1:PORT/path, got ${v}`); return v; };
const dir = c.tls?.dir ?? '';
if (!/^[A-Za-z0-9._\/-]+$/.test(dir) || dir.startsWith('/') || dir.split('/').includes('..')) throw new Error(`tls.dir must be a relative path inside the repository, got ${dir}`);
const out = {
  KAFKA_SSL: hp(c.kafka?.ssl, 'kafka.ssl'),
  KAFKA_MTLS: hp(c.kafka?.mtls, 'kafka.mtls'),
  KAFKA_SASL_SSL: hp(c.kafka?.saslSsl, 'kafka.saslSsl'),
  KAFKA_SSL_EXPIRED: hp(c.kafka?.sslExpired, 'kafka.sslExpired'),
  KAFKA_SSL_WRONGHOST: hp(c.kafka?.sslWrongHost, 'kafka.sslWrongHost'),
  TLS_REL_DIR: dir,
  TLS_KEY_PASSWORD: word(c.tls?.clientKeyPassword, 'tls.clientKeyPassword'),
  OIDC_LISTEN: hp(c.oauth?.listen, 'oauth.listen'),
  OIDC_JWKS: httpUrl(c.oauth?.jwksUrl, 'oauth.jwksUrl'),
  OIDC_TOKEN: httpUrl(c.oauth?.tokenEndpoint, 'oauth.tokenEndpoint'),
  OIDC_ISSUER: httpUrl(c.oauth?.issuer, 'oauth.issuer'),
  OIDC_AUDIENCE: word(c.oauth?.audience, 'oauth.audience'),
  REGTLS_LISTEN: hp(c.registryTls?.listen, 'registryTls.listen'),
  SECURITY_ENABLED: '1',
};
for (const [k, v] of Object.entries(out)) console.log(`${k}=${v}`);
EOF
)
  out=$(node -e "$js" "$CONFIG_JSON" 2>&1) || die "bad $CONFIG_JSON: $(grep -m1 -E 'Error' <<<"$out" || echo "$out" | tail -1)"
  while IFS='=' read -r key value; do
    case $key in
      KAFKA_SSL|KAFKA_MTLS|KAFKA_SASL_SSL|KAFKA_SSL_EXPIRED|KAFKA_SSL_WRONGHOST|TLS_REL_DIR|TLS_KEY_PASSWORD|OIDC_LISTEN|OIDC_JWKS|OIDC_TOKEN|OIDC_ISSUER|OIDC_AUDIENCE|REGTLS_LISTEN|SECURITY_ENABLED)
        printf -v "$key" '%s' "$value" ;;
    esac
  done <<<"$out"
  TLS_DIR="$ROOT/${TLS_REL_DIR:-.lab/run/tls}"
}
secured() { [[ $SECURITY_ENABLED == 1 ]]; }

security_kafka_ports() { secured && echo "$KAFKA_SSL $KAFKA_MTLS $KAFKA_SASL_SSL $KAFKA_SSL_EXPIRED $KAFKA_SSL_WRONGHOST"; return 0; }

ensure_certs() {
  secured || return 0
  bash "$SEC_LIB/certs.sh" "$TLS_DIR" "$TLS_KEY_PASSWORD" || die "could not generate the TLS certificates in $TLS_DIR"
}

# Appended (with their leading comma) to listeners= / advertised.listeners= and listener.security.protocol.map=.
security_listeners() {
  secured || return 0
  echo ",SSL://$KAFKA_SSL,MTLS://$KAFKA_MTLS,SASL_SSL://$KAFKA_SASL_SSL,SSL_EXPIRED://$KAFKA_SSL_EXPIRED,SSL_WRONGHOST://$KAFKA_SSL_WRONGHOST"
}
security_protocol_map() { secured && echo ",SSL:SSL,MTLS:SSL,SASL_SSL:SASL_SSL,SSL_EXPIRED:SSL,SSL_WRONGHOST:SSL"; return 0; }

# The broker JVM may fetch only the rig's JWKS (Kafka 4 refuses every URL not listed here).
# Without the secured half: a harmless property, so that the java command line keeps its shape.
security_jvm_opts() {
  if secured; then echo "-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=$OIDC_JWKS"; else echo "-Dlab.security=off"; fi
}

# Per-listener TLS and SASL settings, appended to server.properties. PEM key stores: the key is
# not encrypted, so no ssl.key.password.
write_security_properties() {
  secured || return 0
  local name keystore
  echo
  echo "# TLS listeners (scripts/lib/security.sh); certificates from scripts/lib/certs.sh in $TLS_REL_DIR"
  for name in ssl mtls sasl_ssl ssl_expired ssl_wronghost; do
    case $name in
      ssl_expired) keystore=expired.pem ;;
      ssl_wronghost) keystore=wronghost.pem ;;
      *) keystore=server.pem ;;
    esac
    echo "listener.name.$name.ssl.keystore.type=PEM"
    echo "listener.name.$name.ssl.keystore.location=$TLS_DIR/$keystore"
    echo "listener.name.$name.ssl.truststore.type=PEM"
    echo "listener.name.$name.ssl.truststore.location=$TLS_DIR/ca.crt"
    echo "listener.name.$name.ssl.client.auth=$([[ $name == mtls ]] && echo required || echo none)"
  done
  cat <<EOF
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,OAUTHBEARER
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;
listener.name.sasl_ssl.oauthbearer.sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler
listener.name.sasl_ssl.oauthbearer.sasl.oauthbearer.jwks.endpoint.url=$OIDC_JWKS
listener.name.sasl_ssl.oauthbearer.sasl.oauthbearer.expected.audience=$OIDC_AUDIENCE
listener.name.sasl_ssl.oauthbearer.sasl.oauthbearer.expected.issuer=$OIDC_ISSUER
sasl.oauthbearer.jwks.endpoint.url=$OIDC_JWKS
sasl.oauthbearer.expected.audience=$OIDC_AUDIENCE
sasl.oauthbearer.expected.issuer=$OIDC_ISSUER
EOF
}

# ---------------------------------------------------------------- the OIDC identity provider

oidc_pid() { find_pid "$OIDC_PID" "oidcServer.mjs $CONFIG_JSON"; }
oidc_ready() {
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(2000) })
      .then((r) => r.json().then((b) => { if (!Array.isArray(b.keys) || !b.keys.length) throw new Error("no keys in the JWKS"); }))
      .catch((e) => { console.error(e.cause?.code ?? e.message); process.exit(1); });
  ' "$OIDC_JWKS"
}

# Node processes: bounded readiness like the registry's, one pid file each.
start_node_service() { # name pidfile marker readycmd logfile script args...
  local name=$1 pidfile=$2 marker=$3 ready=$4 log=$5 pid deadline err
  shift 5
  pid=$(find_pid "$pidfile" "$marker")
  if [[ -n $pid ]] && $ready >/dev/null 2>&1; then
    echo "$pid" >"$pidfile"
    say "$name already running (pid $pid)"
    return 0
  fi
  if [[ -z $pid ]]; then
    echo "==== $(date -Is) services.sh: starting $name" >>"$log"
    setsid nohup node "$@" >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pidfile"
  fi
  deadline=$((SECONDS + OIDC_READY_TIMEOUT))
  until err=$($ready 2>&1); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; die "$name (pid $pid) exited during start-up: $(tail -1 "$log"); see $log"; }
    ((SECONDS >= deadline)) && { stop_pid "$name" "$pid" 10 >&2; rm -f "$pidfile"; die "$name not ready after ${OIDC_READY_TIMEOUT}s (last: $err); stopped it; see $log"; }
    sleep 0.3
  done
  say "$name ready (pid $pid)"
}

start_oidc() {
  secured || return 0
  [[ -n $(oidc_pid) ]] || check_port_free "oidc server" "$OIDC_LISTEN"
  start_node_service "oidc server" "$OIDC_PID" "oidcServer.mjs $CONFIG_JSON" oidc_ready "$LOGS/oidc.log" \
    "$SEC_LIB/oidcServer.mjs" "$CONFIG_JSON" "$RUN/oidc"
}

# ---------------------------------------------------------------- the registry over TLS

registry_tls_pid() { find_pid "$REGTLS_PID" "registryProxy.mjs $CONFIG_JSON"; }
registry_tls_ready() {
  node -e '
    const https = require("node:https");
    const req = https.get(process.argv[1], { ca: require("node:fs").readFileSync(process.argv[2]), timeout: 2000 }, (res) => {
      res.resume(); process.exit(res.statusCode === 200 ? 0 : 1);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (e) => { console.error(e.code ?? e.message); process.exit(1); });
  ' "https://$REGTLS_LISTEN/health" "$TLS_DIR/ca.crt"
}

start_registry_tls() {
  secured || return 0
  [[ -n $(registry_tls_pid) ]] || check_port_free "registry TLS proxy" "$REGTLS_LISTEN"
  start_node_service "registry TLS proxy" "$REGTLS_PID" "registryProxy.mjs $CONFIG_JSON" registry_tls_ready \
    "$LOGS/registry-tls.log" "$SEC_LIB/registryProxy.mjs" "$CONFIG_JSON" "$TLS_DIR"
}

stop_security_services() {
  local pid
  pid=$(registry_tls_pid)
  [[ -n $pid ]] && { say "stopping registry TLS proxy (pid $pid)"; stop_pid "registry TLS proxy" "$pid" 10; }
  rm -f "$REGTLS_PID"
  pid=$(oidc_pid)
  [[ -n $pid ]] && { say "stopping oidc server (pid $pid)"; stop_pid "oidc server" "$pid" 10; }
  rm -f "$OIDC_PID"
  return 0
}

security_status() { # prints lines; returns 1 when something is down
  secured || return 0
  local ok=0 pid
  pid=$(oidc_pid)
  if [[ -n $pid ]] && oidc_ready >/dev/null 2>&1; then echo "oidc: up (pid $pid) - $OIDC_TOKEN"; else echo "oidc: down"; ok=1; fi
  pid=$(registry_tls_pid)
  if [[ -n $pid ]] && registry_tls_ready >/dev/null 2>&1; then echo "registry TLS proxy: up (pid $pid) - https://$REGTLS_LISTEN"; else echo "registry TLS proxy: down"; ok=1; fi
  return $ok
}

# A broker started before the TLS listeners existed keeps running without them: say how to fix it.
warn_if_tls_listeners_missing() {
  secured || return 0
  timeout 2 bash -c "exec 3<>/dev/tcp/${KAFKA_SSL%:*}/${KAFKA_SSL##*:}" 2>/dev/null && return 0
  say "warning: kafka does not listen on $KAFKA_SSL (SSL): it was started before the TLS listeners were configured; restart it: bash scripts/services.sh stop && bash scripts/services.sh start"
}
