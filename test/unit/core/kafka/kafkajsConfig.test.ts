import { strict as assert } from 'node:assert';
import type { LogEntry } from 'kafkajs';
import { KafkaClientError } from '../../../../src/core/errors';
import { kafkajsLogCreator, kafkajsTimeouts, toKafkajsConfig } from '../../../../src/core/kafka/kafkajsConfig';
import { createLogger, silentLogger } from '../../../../src/core/logging';
import type { FetchLike } from '../../../../src/core/kafka/oauthToken';

const options = { timeoutMs: 8_000, logger: silentLogger };

describe('kafkajs options from a cluster connection', () => {
  it('PLAINTEXT: brokers split, no TLS, no SASL, timeouts inside the bound', () => {
    const config = toKafkajsConfig({ bootstrapServers: ' a:9092, b:9093 ' }, options);
    assert.deepEqual(config.brokers, ['a:9092', 'b:9093']);
    assert.equal(config.clientId, 'kafka-consumer-lab');
    assert.equal(config.ssl, undefined);
    assert.equal(config.sasl, undefined);
    const t = kafkajsTimeouts(8_000);
    assert.equal(config.connectionTimeout, t.connectionTimeout);
    assert.ok(
      t.connectionTimeout * (1 + (t.retry.retries ?? 0)) < 8_000 && t.requestTimeout < 8_000,
      JSON.stringify(t),
    );
    assert.equal(config.enforceRequestTimeout, true);
  });

  it('SASL mechanisms map to kafkajs names', () => {
    for (const [mechanism, expected] of [
      ['PLAIN', 'plain'],
      ['SCRAM-SHA-256', 'scram-sha-256'],
      ['SCRAM-SHA-512', 'scram-sha-512'],
    ] as const) {
      const config = toKafkajsConfig(
        {
          bootstrapServers: 'a:1',
          securityProtocol: 'SASL_PLAINTEXT',
          sasl: { mechanism, username: 'u', password: 'p' },
        },
        options,
      );
      assert.deepEqual(config.sasl, { mechanism: expected, username: 'u', password: 'p' });
      assert.equal(config.ssl, undefined);
    }
  });

  it('SSL: the files are read (CA, certificate, key) and the key password passed; no files means system CAs', () => {
    const read: string[] = [];
    const config = toKafkajsConfig(
      {
        bootstrapServers: 'a:1',
        securityProtocol: 'SASL_SSL',
        sasl: { mechanism: 'PLAIN', username: 'u', password: 'p' },
        tls: { caLocation: '/ca.pem', certificateLocation: '/c.pem', keyLocation: '/k.pem', keyPassword: 'kp' },
      },
      { ...options, readFile: (path) => (read.push(path), Buffer.from(`pem of ${path}`)) },
    );
    assert.deepEqual(read, ['/ca.pem', '/c.pem', '/k.pem']);
    const ssl = config.ssl as { ca: Buffer[]; cert: Buffer; key: Buffer; passphrase: string };
    assert.equal(ssl.ca[0]?.toString(), 'pem of /ca.pem');
    assert.equal(ssl.cert.toString(), 'pem of /c.pem');
    assert.equal(ssl.passphrase, 'kp');
    assert.equal(toKafkajsConfig({ bootstrapServers: 'a:1', securityProtocol: 'SSL' }, options).ssl, true);
  });

  it('an unreadable TLS file is an invalidConfiguration error naming the file', () => {
    assert.throws(
      () =>
        toKafkajsConfig(
          { bootstrapServers: 'a:1', securityProtocol: 'SSL', tls: { caLocation: '/nowhere/ca.pem' } },
          options,
        ),
      (e: unknown) =>
        e instanceof KafkaClientError &&
        e.reason === 'invalidConfiguration' &&
        /TLS CA file "\/nowhere\/ca\.pem" \(ENOENT\)/.test(e.message),
    );
  });

  it('rejects what the connection check rejects', () => {
    assert.throws(
      () => toKafkajsConfig({ bootstrapServers: 'no-port' }, options),
      (e: unknown) => e instanceof KafkaClientError && e.reason === 'invalidConfiguration',
    );
  });

  it('OAUTHBEARER: the provider fetches a token with the client-credentials grant', async () => {
    const calls: Array<{ url: string; headers: Record<string, string>; body: string }> = [];
    const fetch: FetchLike = async (url, init) => {
      calls.push({ url, headers: init.headers, body: init.body });
      return { ok: true, status: 200, text: async () => JSON.stringify({ access_token: 'tok-1', expires_in: 3600 }) };
    };
    const config = toKafkajsConfig(
      {
        bootstrapServers: 'a:1',
        securityProtocol: 'SASL_SSL',
        sasl: {
          mechanism: 'OAUTHBEARER',
          tokenEndpointUrl: 'https://idp.example/token',
          clientId: 'app',
          clientSecret: 's3cret',
          scope: 'kafka',
        },
      },
      { ...options, fetch },
    );
    const sasl = config.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    assert.equal(sasl.mechanism, 'oauthbearer');
    assert.deepEqual(await sasl.oauthBearerProvider(), { value: 'tok-1' });
    assert.deepEqual(await sasl.oauthBearerProvider(), { value: 'tok-1' });
    assert.equal(calls.length, 1, 'the token is reused until it nears expiry');
    assert.equal(calls[0]?.url, 'https://idp.example/token');
    assert.equal(calls[0]?.body, 'grant_type=client_credentials&scope=kafka');
    assert.equal(calls[0]?.headers.authorization, `Basic ${Buffer.from('app:s3cret').toString('base64')}`);
  });
});

describe('kafkajs log entries', () => {
  it('go to our logger at debug, with scalar fields only (no payloads) and secrets redacted', () => {
    const lines: Array<[string, string]> = [];
    const logger = createLogger((level, line) => lines.push([level, line]));
    const log = kafkajsLogCreator(logger)(5 as never);
    const entry = (level: number, label: string, fields: Record<string, unknown>): LogEntry =>
      ({
        namespace: 'Connection',
        level,
        label,
        log: { timestamp: 't', message: 'Request SaslAuthenticate', ...fields },
      }) as LogEntry;
    log(
      entry(5, 'DEBUG', {
        broker: 'a:1',
        correlationId: 3,
        payload: { authBytes: Buffer.from('\0u\0password') },
        sasl: { password: 'pw' },
      }),
    );
    log(entry(1, 'ERROR', { broker: 'a:1', error: 'Connection error: password=hunter2' }));
    assert.equal(lines.length, 2);
    assert.ok(lines.every(([level]) => level === 'debug'));
    assert.equal(
      lines[0]?.[1],
      'kafkajs DEBUG Connection: Request SaslAuthenticate {"broker":"a:1","correlationId":3}',
    );
    assert.match(lines[1]?.[1] ?? '', /^kafkajs ERROR Connection: .*password=\*\*\*/);
    assert.ok(!lines.join('\n').includes('hunter2') && !lines.join('\n').includes('pw"'));
  });
});
