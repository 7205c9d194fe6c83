import { strict as assert } from 'node:assert';
import { REDACTED, createLogger, redact, redactText, type LogLevel } from '../../../src/core/logging';

describe('logging and redaction', () => {
  it('redacts secret-named keys at any depth, keeping the rest', () => {
    const config = {
      'bootstrap.servers': '127.0.0.1:9092',
      'sasl.username': 'alice',
      'sasl.password': 'hunter2',
      'ssl.key.password': 'k3y',
      registry: { url: 'http://r', auth: { username: 'bob', password: 'pw' }, bearerToken: 'tok' },
      'sasl.oauthbearer.client.secret': 's',
    };
    const clean = redact(config) as Record<string, unknown>;
    assert.equal(clean['bootstrap.servers'], '127.0.0.1:9092');
    assert.equal(clean['sasl.username'], 'alice');
    assert.equal(clean['sasl.password'], REDACTED);
    assert.equal(clean['ssl.key.password'], REDACTED);
    assert.equal(clean['sasl.oauthbearer.client.secret'], REDACTED);
    assert.deepEqual(clean.registry, {
      url: 'http://r',
      auth: { username: 'bob', password: REDACTED },
      bearerToken: REDACTED,
    });
    assert.ok(!JSON.stringify(clean).includes('hunter2'));
  });

  it('redacts key=value pairs and URL passwords in free text', () => {
    const text = 'connect sasl.password=hunter2 to http://bob:s3cret@registry:8081 token: abc';
    const clean = redactText(text);
    assert.ok(!clean.includes('hunter2'));
    assert.ok(!clean.includes('s3cret'));
    assert.ok(!clean.includes('abc'));
    assert.match(clean, /http:\/\/bob:\*\*\*@registry:8081/);
  });

  it('survives cycles and buffers', () => {
    const a: Record<string, unknown> = { name: 'a', payload: Buffer.alloc(10) };
    a.self = a;
    assert.deepEqual(redact(a), { name: 'a', payload: '<10 bytes>', self: '[circular]' });
  });

  it('filters by level, scopes children, and redacts messages and details', () => {
    const lines: Array<[LogLevel, string]> = [];
    let min: LogLevel = 'info';
    const logger = createLogger((level, line) => lines.push([level, line]), { minLevel: () => min });
    logger.debug('hidden');
    logger.child('engine').child('member-1').warn('password=abc rejected', { password: 'abc', topic: 't' });
    min = 'trace';
    logger.trace('shown');
    assert.deepEqual(lines, [
      ['warn', `[engine/member-1] password=${REDACTED} rejected {"password":"${REDACTED}","topic":"t"}`],
      ['trace', 'shown'],
    ]);
  });
});
