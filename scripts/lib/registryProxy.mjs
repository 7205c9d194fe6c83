// The Schema Registry over TLS with basic auth, as company registries are: a small HTTPS reverse
// proxy (certificate signed by the rig's CA) in front of the local Apicurio registry, refusing any
// request without the right HTTP Basic credentials (401). 127.0.0.1 only; test configuration only.
//
//   node scripts/lib/registryProxy.mjs CONFIG_JSON TLS_DIR
//
// CONFIG_JSON is test/services.json: "registryTls" (listen, username, password) and "registry"
// (the upstream url). TLS_DIR holds server.crt and server.key (scripts/lib/certs.sh).
// GET /health answers without credentials, for the rig's readiness check. Secrets are never logged.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:https';
import { join } from 'node:path';

const [configPath, tlsDir] = process.argv.slice(2);
if (!configPath || !tlsDir) {
  console.error('usage: registryProxy.mjs CONFIG_JSON TLS_DIR');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));
const { listen, username, password } = config.registryTls ?? {};
const port = /^127\.0\.0\.1:(\d{1,5})$/.exec(listen ?? '');
if (!port) throw new Error(`registryTls.listen must be 127.0.0.1:PORT, got ${listen}`);
const upstream = new URL(config.registry.url);
if (upstream.hostname !== '127.0.0.1') throw new Error('registry.url must be on 127.0.0.1');
const expected = Buffer.from(`Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
const UPSTREAM_TIMEOUT_MS = 15_000;

function authorized(header) {
  const given = Buffer.from(String(header ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function fail(res, status, body, headers = {}) {
  if (res.headersSent) return res.destroy();
  res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json', ...headers });
  res.end(JSON.stringify(body));
}

const server = createServer(
  {
    cert: readFileSync(join(tlsDir, 'server.crt')),
    key: readFileSync(join(tlsDir, 'server.key')),
    requestTimeout: 30_000,
    headersTimeout: 10_000,
  },
  (req, res) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"status":"UP"}');
    }
    if (!authorized(req.headers.authorization)) {
      console.log(
        `refused ${req.method} ${String(req.url).slice(0, 200)}: ${req.headers.authorization ? 'wrong credentials' : 'no credentials'}`,
      );
      return fail(
        res,
        401,
        { error_code: 401, message: 'Unauthorized' },
        { 'www-authenticate': 'Basic realm="schema-registry"' },
      );
    }
    const headers = { ...req.headers, host: upstream.host };
    delete headers.authorization;
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
        timeout: UPSTREAM_TIMEOUT_MS,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('timeout', () => out.destroy(new Error(`no answer from the registry within ${UPSTREAM_TIMEOUT_MS} ms`)));
    out.on('error', (error) =>
      fail(res, 502, { error_code: 50201, message: `registry upstream: ${error.code ?? error.message}` }),
    );
    req.pipe(out);
  },
);

server.on('tlsClientError', () => undefined); // an untrusting client hangs up mid-handshake: expected in tests
server.on('error', (error) => {
  console.error(`registry proxy: ${error.code ?? error.message}`);
  process.exit(1);
});
server.listen(Number(port[1]), '127.0.0.1', () =>
  console.log(`registry proxy listening on https://${listen} -> ${upstream.origin}`),
);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
