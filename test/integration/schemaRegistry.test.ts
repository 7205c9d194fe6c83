import { strict as assert } from 'node:assert';
import { DecodeError, EncodeError } from '../../src/core/codec/codecErrors';
import { PayloadDecoder } from '../../src/core/codec/payloadDecoder';
import { PayloadEncoder } from '../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../src/core/codec/schemaCache';
import { encodeFrame, parseFrame } from '../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../src/core/registry/registryClient';
import { RegistryError } from '../../src/core/registry/registryErrors';
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
  const registry = new SchemaRegistryClient({ id: 'it-avro', url: services.registry.url });
  const schemas = new SchemaCache(registry);
  const encoder = new PayloadEncoder({ registry, schemas });
  const decoder = new PayloadDecoder({ schemas });
  let schemaId: number;

  before(async () => {
    await createTopic(topic, 1);
  });

  after(async () => {
    await fetch(`${services.registry.url}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
    registry.close();
    await deleteTopicsQuietly(topic);
  });

  it('registers a schema and reads it back by id', async () => {
    const registered = await registry.register(subject, {
      schemaType: 'AVRO',
      schema: JSON.stringify(orderSchema),
      references: [],
    });
    assert.ok(registered.ok, registered.ok ? '' : registered.error.message);
    schemaId = registered.value.id;
    assert.ok(Number.isInteger(schemaId) && schemaId > 0);
    const response = await fetch(`${services.registry.url}/schemas/ids/${schemaId}`, {
      signal: AbortSignal.timeout(5000),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { schema: string };
    assert.equal(JSON.parse(body.schema).name, 'OrderPlaced');
    // Registering the same schema again is idempotent: same id.
    const again = await registry.register(subject, {
      schemaType: 'AVRO',
      schema: JSON.stringify(orderSchema),
      references: [],
    });
    assert.ok(again.ok && again.value.id === schemaId);
  });

  it('decodes a message encoded with it after a trip through the broker', async () => {
    const value = { orderId: 'o-42', amountCents: 1999, currency: 'EUR', note: 'gift wrap' };
    const result = await encoder.encode({ format: 'avro', topic, role: 'value', input: { value } });
    assert.ok(result.ok && result.bytes, result.ok ? '' : result.error.message);
    const encoded = result.bytes;

    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'o-42', value: encoded }] });
    await producer.disconnect();

    const consumer = kafkaClient().consumer({
      kafkaJS: { groupId: uniqueName('it-avro-group'), fromBeginning: true, autoCommit: false },
    });
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
    const decoded = await decoder.decode(received[0], { topic, role: 'value' });
    assert.ok(decoded.ok && decoded.format === 'avro', decoded.ok ? '' : decoded.error.message);
    // avsc returns an instance of the record's class; compare its fields.
    assert.deepEqual({ ...(decoded.value as object) }, value);
  });

  it('an unknown schema id is reported by the registry, not silently decoded', async () => {
    const bogus = encodeFrame(2_000_000_000, Buffer.from([2, 0x61]));
    const decoded = await decoder.decode(bogus, { topic, role: 'value' });
    assert.ok(!decoded.ok);
    assert.ok(
      decoded.error instanceof RegistryError || decoded.error instanceof DecodeError,
      decoded.error.constructor.name,
    );
    assert.ok(['schemaNotFound', 'unknownSchemaId'].includes(decoded.error.reason), decoded.error.reason);
  });

  it('a value that does not match the schema is refused before anything is produced', async () => {
    const result = await encoder.encode({
      format: 'avro',
      topic,
      role: 'value',
      input: { value: { orderId: 'o-1', amountCents: 'lots', currency: 'GBP' } },
    });
    assert.ok(!result.ok && result.error instanceof EncodeError && result.error.reason === 'schemaMismatch');
    assert.deepEqual(
      result.error.fieldErrors.map((e) => e.path),
      ['$.amountCents', '$.currency'],
    );
  });
});
