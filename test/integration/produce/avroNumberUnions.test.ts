import { strict as assert } from 'node:assert';
import { toDisplayJson } from '../../../src/core/codec/displayValue';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { produceGenerated } from '../../../src/core/produce/generateProduce';
import { loadGenerator } from '../../../src/core/produce/generateRecords';
import type { PayloadInput } from '../../../src/core/produce/payloadForms';
import { ProduceService } from '../../../src/core/produce/produceService';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { createTopic, deleteTopicsQuietly, withAdmin } from '../../support/kafka';
import { services, uniqueName } from '../../support/services';
import { decodedValue, newProducer, readBack, registryKit } from './support';

/**
 * Unions of a long with int- or long-based logical types (they failed with "ambiguous conversion"
 * or "Cannot mix BigInt"), through the real registry and broker: written by the producer form's
 * service and by Produce N, read back by offset and decoded with a decoder that knows nothing but
 * the registry.
 */
describe('Avro unions mixing long with logical types: produced, read back and decoded exactly', function () {
  this.timeout(120_000);
  const topic = uniqueName('it-avro-unions');
  const suffix = topic.replace(/[^A-Za-z0-9]/g, '_');
  const kit = registryKit();
  const producer = newProducer();
  const service = new ProduceService({ encoder: kit.encoder, producer });
  const schema = {
    type: 'record',
    name: `Mixed_${suffix}`,
    namespace: 'lab.unions',
    fields: [
      { name: 'countOrDay', type: ['null', 'long', { type: 'int', logicalType: 'date' }] },
      { name: 'smallOrAt', type: ['int', { type: 'long', logicalType: 'timestamp-millis' }] },
      { name: 'bigOrTime', type: ['long', { type: 'int', logicalType: 'time-millis' }] },
      { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-micros' }] },
    ],
  };
  const avro: PayloadInput['schema'] = { format: 'avro', strategy: 'TopicName', version: 'latest' };
  let id = 0;

  before(async () => {
    await createTopic(topic, 1);
    id = await kit.register(`${topic}-value`, 'AVRO', JSON.stringify(schema));
  });

  after(async () => {
    await producer.close();
    await deleteTopicsQuietly(topic);
    await kit.cleanup();
  });

  const fresh = (): { decoder: PayloadDecoder; close: () => void } => {
    const client = new SchemaRegistryClient({ id: 'it-avro-unions-read', url: services.registry.url });
    return { decoder: new PayloadDecoder({ schemas: new SchemaCache(client) }), close: () => client.close() };
  };

  it('each branch, by name or bare, at the int64 extremes and as readable dates and times', async () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [
        { countOrDay: '9223372036854775807', smallOrAt: 7, bigOrTime: '-9223372036854775808', at: null },
        {
          countOrDay: { long: '9223372036854775807' },
          smallOrAt: { int: 7 },
          bigOrTime: { long: '-9223372036854775808' },
          at: null,
        },
      ],
      [
        {
          countOrDay: '2024-01-02',
          smallOrAt: '2024-01-02T03:04:05.678Z',
          bigOrTime: { int: '23:59:59.999' },
          at: '1969-12-31T23:59:59.999999Z',
        },
        {
          countOrDay: { int: '2024-01-02' },
          smallOrAt: { long: '2024-01-02T03:04:05.678Z' },
          bigOrTime: { int: '23:59:59.999' },
          at: '1969-12-31T23:59:59.999999Z',
        },
      ],
      [
        { countOrDay: null, smallOrAt: { long: '-1' }, bigOrTime: { long: 0 }, at: null },
        { countOrDay: null, smallOrAt: { long: '1969-12-31T23:59:59.999Z' }, bigOrTime: { long: 0 }, at: null },
      ],
    ];
    const { decoder, close } = fresh();
    try {
      for (const [value, shown] of cases) {
        const outcome = await service.produce({
          topic,
          key: { form: 'text', text: 'k' },
          value: { form: 'schema', text: JSON.stringify(value), schema: avro },
          headers: [],
        });
        assert.ok(outcome.ok, outcome.ok ? '' : JSON.stringify(outcome.problems));
        assert.equal(outcome.value?.schema?.id, id);
        const back = await readBack(topic, 0, outcome.delivered.offset);
        const decoded = await decoder.decode(back.value, { topic, role: 'value' });
        assert.deepEqual(toDisplayJson(decodedValue(decoded)), shown, JSON.stringify(value));
      }
    } finally {
      close();
    }
  });

  it('Produce N generates valid records for these unions; every one decodes', async () => {
    const start = await withAdmin(async (admin) => Number((await admin.fetchTopicOffsets(topic))[0].high));
    const generator = await loadGenerator(
      kit.client,
      topic,
      'value',
      { form: 'schema', text: '', schema: avro },
      {
        seed: 1313,
      },
    );
    const summary = await produceGenerated(
      { service, producer },
      {
        request: {
          topic,
          key: { form: 'null', text: '' },
          value: { form: 'schema', text: '', schema: avro },
          headers: [],
        },
        generator,
        count: 30,
      },
    );
    assert.equal(summary.outcome, 'complete', JSON.stringify(summary.firstFailure));
    assert.equal(summary.sent, 30);
    const { decoder, close } = fresh();
    const branches = new Set<string>();
    try {
      for (let offset = start; offset < start + 30; offset++) {
        const back = await readBack(topic, 0, offset);
        const value = toDisplayJson(decodedValue(await decoder.decode(back.value, { topic, role: 'value' }))) as Record<
          string,
          unknown
        >;
        for (const name of ['countOrDay', 'smallOrAt', 'bigOrTime']) {
          const v = value[name];
          if (v === null) continue;
          const [branch] = Object.keys(v as object);
          branches.add(`${name}.${branch}`);
        }
      }
    } finally {
      close();
    }
    // 30 records over two-branch unions: both branches of each came up.
    for (const b of [
      'countOrDay.long',
      'countOrDay.int',
      'smallOrAt.int',
      'smallOrAt.long',
      'bigOrTime.long',
      'bigOrTime.int',
    ])
      assert.ok(branches.has(b), `no record took ${b}: ${[...branches].join(', ')}`);
  });
});
