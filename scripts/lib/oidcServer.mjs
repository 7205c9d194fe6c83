// A small OAuth 2.0 / OIDC identity provider for the test rig: the client-credentials grant
// (RFC 6749 §4.4) at /token, the signing key as a JWKS at /jwks, discovery at
// /.well-known/openid-configuration and readiness at /health. The broker validates the JWTs it
// issues against the JWKS (OAuthBearerValidatorCallbackHandler); librdkafka's OIDC method fetches
// them. 127.0.0.1 only; test configuration only.
//
//   node scripts/lib/oidcServer.mjs CONFIG_JSON STATE_DIR
//
// CONFIG_JSON is test/services.json (its "oauth" section: listen address, issuer, audience and
// clients). The RSA signing key is kept in STATE_DIR/oidc-signing-key.pem so that a restart does
// not invalidate the broker's cached JWKS. A client marked "expired": true gets tokens whose exp
// has passed (for the expired-token test). Secrets are never logged.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';

const [configPath, stateDir] = process.argv.slice(2);
if (!configPath || !stateDir) {
  console.error('usage: oidcServer.mjs CONFIG_JSON STATE_DIR');
  process.exit(2);
}
const oauth = JSON.parse(readFileSync(configPath, 'utf8')).oauth;
const listen = /^127\.0\.0\.1:(\d{1,5})$/.exec(oauth?.listen ?? '');
if (!listen) throw new Error(`oauth.listen must be 127.0.0.1:PORT, got ${oauth?.listen}`);
const clients = new Map(Object.values(oauth.clients ?? {}).map((c) => [c.clientId, c]));
const lifetimeS = Number(oauth.tokenLifetimeSeconds ?? 3600);

mkdirSync(stateDir, { recursive: true });
const keyFile = join(stateDir, 'oidc-signing-key.pem');
if (!existsSync(keyFile)) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
}
const privateKey = createPrivateKey(readFileSync(keyFile));
const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
const kid = createHash('sha256').update(`${publicJwk.n}.${publicJwk.e}`).digest('base64url').slice(0, 16);
const jwks = { keys: [{ ...publicJwk, kid, use: 'sig', alg: 'RS256' }] };

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function jwt(claims) {
  const input = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const sameText = (a, b) => {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The client's id and secret from HTTP Basic (§2.3.1) or the form body. */
function credentialsOf(req, form) {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const text = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return {};
    const decode = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: decode(text.slice(0, colon)), secret: decode(text.slice(colon + 1)) };
  }
  return { id: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function token(req, res, body) {
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'client_credentials') {
    return send(res, 400, { error: 'unsupported_grant_type' });
  }
  const { id, secret } = credentialsOf(req, form);
  const client = id === undefined ? undefined : clients.get(id);
  if (!client || secret === undefined || !sameText(secret, client.clientSecret)) {
    console.log(`token refused: client ${JSON.stringify(String(id ?? '').slice(0, 64))} (invalid_client)`);
    return send(res, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="kafka-lab-oidc"' });
  }
  const now = Math.floor(Date.now() / 1000);
  // An "expired" client gets a token that ended an hour ago: the broker must refuse it.
  const iat = client.expired ? now - 2 * lifetimeS : now;
  const exp = iat + lifetimeS;
  const scope = form.get('scope') ?? client.scope ?? '';
  // An empty scope claim is refused by Kafka's validator ("scope value must be non-empty"): omit it.
  const claims = {
    iss: oauth.issuer,
    sub: client.clientId,
    aud: oauth.audience,
    iat,
    nbf: iat,
    exp,
    ...(scope ? { scope } : {}),
  };
  console.log(`token issued: client ${client.clientId}${client.expired ? ' (already expired)' : ''}`);
  send(res, 200, {
    access_token: jwt(claims),
    token_type: 'Bearer',
    expires_in: client.expired ? 1 : lifetimeS,
    ...(scope ? { scope } : {}),
  });
}

const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (req.method === 'GET' && path === '/health') return send(res, 200, { status: 'UP' });
  if (req.method === 'GET' && path === '/jwks') return send(res, 200, jwks);
  if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
    const base = `http://${oauth.listen}`;
    return send(res, 200, {
      issuer: oauth.issuer,
      token_endpoint: `${base}/token`,
      jwks_uri: `${base}/jwks`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
  }
  if (req.method === 'POST' && path === '/token') {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > 64 * 1024) {
        send(res, 413, { error: 'invalid_request' });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (!res.headersSent) token(req, res, Buffer.concat(chunks).toString('utf8'));
    });
    return;
  }
  send(res, 404, { error: 'not_found' });
});

server.on('error', (error) => {
  console.error(`oidc server: ${error.code ?? error.message}`);
  process.exit(1);
});
server.listen(Number(listen[1]), '127.0.0.1', () =>
  console.log(`oidc server listening on ${oauth.listen}, kid ${kid}`),
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
