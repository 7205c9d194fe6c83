import { strict as assert } from 'node:assert';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { encodeFrame, parseFrame } from '../../src/core/codec/wireFormat';
import { createTopic, deleteTopicsQuietly, kafkaClient } from '../support/kafka';
import { services, uniqueName, waitFor } from '../support/services';

const orderSchema = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'lab.test',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'amountCents', type: 'long' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD'] } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

describe('Avro through the real schema registry and broker', () => {
  const topic = uniqueName('it-avro');
  const subject = `${topic}-value`;
  const registry = new SchemaRegistry({ host: services.registry.url }, { [SchemaType.AVRO]: {} });
  let schemaId: number;

  before(async () => {
    await createTopic(topic, 1);
  });

  after(async () => {
    await fetch(`${services.registry.url}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
    await deleteTopicsQuietly(topic);
  });

  it('registers a schema and reads it back by id', async () => {
    ({ id: schemaId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderSchema) }, { subject }));
    assert.ok(Number.isInteger(schemaId) && schemaId > 0);
    const response = await fetch(`${services.registry.url}/schemas/ids/${schemaId}`, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { schema: string };
    assert.equal(JSON.parse(body.schema).name, 'OrderPlaced');
    // Registering the same schema again is idempotent: same id.
    const again = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(orderSchema) }, { subject });
    assert.equal(again.id, schemaId);
  });

  it('decodes a message encoded with it after a trip through the broker', async () => {
    const value = { orderId: 'o-42', amountCents: 1999, currency: 'EUR', note: 'gift wrap' };
    const encoded = await registry.encode(schemaId, value);

    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'o-42', value: encoded }] });
    await producer.disconnect();

    const consumer = kafkaClient().consumer({ kafkaJS: { groupId: uniqueName('it-avro-group'), fromBeginning: true, autoCommit: false } });
    const received: Buffer[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
      await consumer.run({ eachMessage: async ({ message }) => void (message.value && received.push(message.value)) });
      await waitFor('the Avro message', 30_000, () => (received.length ? true : undefined));
    } finally {
      await consumer.disconnect();
    }

    const frame = parseFrame(received[0]);
    assert.ok(frame.ok, frame.ok ? '' : frame.error.message);
    assert.equal(frame.frame.schemaId, schemaId);
    // avsc returns an instance of the record's class; compare its fields.
    assert.deepEqual({ ...(await registry.decode(received[0])) }, value);
  });

  it('an unknown schema id is reported by the registry, not silently decoded', async () => {
    const bogus = encodeFrame(2_000_000_000, Buffer.from([2, 0x61]));
    await assert.rejects(registry.decode(bogus), (error: Error) => /not found|40403|404/i.test(`${error.message} ${String((error as { status?: number }).status)}`));
  });

  it('a value that does not match the schema is refused before anything is produced', async () => {
    await assert.rejects(registry.encode(schemaId, { orderId: 'o-1', amountCents: 'lots', currency: 'GBP' }));
  });
});
