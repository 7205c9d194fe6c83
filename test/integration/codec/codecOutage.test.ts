import { strict as assert } from 'node:assert';
import type { DecodeResult } from '../../../src/core/codec/decodeResult';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { encodeFrame } from '../../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import { consume, produce } from './support/records';
import { TcpProxy } from './support/registryFronts';

/**
 * The registry goes away in the middle of a stream and comes back. The codec talks to it through a
 * local TCP proxy that the test stops and restarts; the shared registry itself keeps running.
 */
describe('codec during a registry outage', function () {
  this.timeout(60_000);
  const topic = uniqueName('it-codec-outage');
  const direct = new SchemaRegistryClient({ id: 'direct', url: services.registry.url });
  const subjects = [`${topic}-a-value`, `${topic}-b-value`];
  let proxy: TcpProxy;
  let idA: number;
  let idB: number;
  const recordA = (): Buffer => encodeFrame(idA, Buffer.from([4, 0x61, 0x61]));
  const recordB = (): Buffer => encodeFrame(idB, Buffer.from([6]));

  before(async () => {
    proxy = await TcpProxy.start(services.registry.url);
    await createTopic(topic, 1);
    const a = await direct.register(subjects[0], {
      schemaType: 'AVRO',
      schema: JSON.stringify({
        type: 'record',
        name: 'A',
        namespace: 'lab.outage',
        fields: [{ name: 'a', type: 'string' }],
      }),
    });
    const b = await direct.register(subjects[1], {
      schemaType: 'AVRO',
      schema: JSON.stringify({
        type: 'record',
        name: 'B',
        namespace: 'lab.outage',
        fields: [{ name: 'b', type: 'int' }],
      }),
    });
    assert.ok(a.ok && b.ok);
    idA = a.value.id;
    idB = b.value.id;
  });

  after(async () => {
    await proxy.close();
    for (const subject of subjects) {
      await direct.deleteSubject(subject);
      await direct.deleteSubject(subject, { permanent: true });
    }
    direct.close();
    await deleteTopicsQuietly(topic);
  });

  const outcome = (result: DecodeResult): string => (result.ok ? 'ok' : result.error.reason);

  it('gives typed errors while the registry is away, keeps decoding cached schemas, and recovers', async () => {
    // 0-9: schema A only; 10-19 (registry away): A and B alternate; 20-29 (registry back): A and B.
    const values = Array.from({ length: 30 }, (_, i) => (i < 10 || i % 2 === 0 ? recordA() : recordB()));
    await produce(
      topic,
      values.map((value, i) => ({ value, label: String(i) })),
    );

    const client = new SchemaRegistryClient({ id: 'proxied', url: proxy.url, requestTimeoutMs: 1000 });
    const decoder = new PayloadDecoder({ schemas: new SchemaCache(client, { failureTtlMs: 300 }) });
    const outcomes: string[] = [];
    let slowest = 0;
    await consume(topic, 30, async (record) => {
      if (record.offset === 10) await proxy.stop();
      if (record.offset === 20) {
        await proxy.restart();
        await new Promise((resolve) => setTimeout(resolve, 350)); // the remembered failure expires
      }
      const started = Date.now();
      outcomes[record.offset] = outcome(await decoder.decode(record.value, { topic, role: 'value' }));
      slowest = Math.max(slowest, Date.now() - started);
    });
    client.close();

    assert.deepEqual(outcomes.slice(0, 10), Array(10).fill('ok'));
    assert.deepEqual(
      outcomes.slice(10, 20),
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'ok' : 'unreachable')),
      'cached schema A decodes, uncached schema B is unreachable',
    );
    assert.deepEqual(outcomes.slice(20), Array(10).fill('ok'), 'recovered when the registry came back');
    assert.ok(slowest < 1500, `no decode stalled (slowest ${slowest} ms)`);
  });

  it('a registry that hangs costs one bounded timeout, then fails fast until it answers again', async () => {
    proxy.hang = true;
    await proxy.stop();
    await proxy.restart();
    const client = new SchemaRegistryClient({ id: 'hanging', url: proxy.url, requestTimeoutMs: 400 });
    const decoder = new PayloadDecoder({ schemas: new SchemaCache(client, { failureTtlMs: 1500 }) });
    try {
      const started = Date.now();
      const first = await decoder.decode(recordB(), { topic, role: 'value' });
      const firstMs = Date.now() - started;
      assert.equal(outcome(first), 'timeout');
      assert.ok(!first.ok && /did not answer within 400 ms/.test(first.error.message));
      assert.ok(firstMs >= 350 && firstMs < 1500, `first decode took ${firstMs} ms`);
      const rest = Date.now();
      for (let i = 0; i < 10; i++)
        assert.equal(outcome(await decoder.decode(i % 2 ? recordA() : recordB(), { topic, role: 'value' })), 'timeout');
      assert.ok(Date.now() - rest < 200, 'the remembered failure answers at once');

      proxy.hang = false;
      await proxy.stop();
      await proxy.restart();
      await new Promise((resolve) => setTimeout(resolve, 1600));
      assert.equal(outcome(await decoder.decode(recordB(), { topic, role: 'value' })), 'ok');
      assert.equal(outcome(await decoder.decode(recordA(), { topic, role: 'value' })), 'ok');
    } finally {
      proxy.hang = false;
      client.close();
    }
  });
});
