// Demo data for `npm run demo`: a JSON orders topic (with one poison message, for the DLQ story),
// and an Avro payments topic whose schema lives in the local registry. Idempotent: topics that
// already exist are left as they are.
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { KafkaJS } = require('@confluentinc/kafka-javascript');
const avro = require('avsc');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const services = JSON.parse(fs.readFileSync(path.join(root, 'test', 'services.json'), 'utf8'));
const kafka = new KafkaJS.Kafka({
  kafkaJS: { brokers: [services.kafka.plaintext], clientId: 'kafka-lab-demo', logLevel: KafkaJS.logLevel.NOTHING },
});

const ORDERS = 'demo.orders';
const PAYMENTS = 'demo.payments.avro';
const paymentSchema = {
  type: 'record',
  name: 'PaymentCaptured',
  namespace: 'demo.payments',
  fields: [
    { name: 'paymentId', type: 'string' },
    { name: 'orderId', type: 'string' },
    { name: 'amountCents', type: 'long' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD', 'GBP'] } },
    { name: 'capturedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

const admin = kafka.admin();
await admin.connect();
const existing = new Set(await admin.listTopics());
const wanted = [
  { topic: ORDERS, numPartitions: 3 },
  { topic: PAYMENTS, numPartitions: 2 },
].filter((t) => !existing.has(t.topic));
if (wanted.length)
  await admin.createTopics({ topics: wanted.map((t) => ({ ...t, replicationFactor: 1 })), timeout: 15_000 });
await admin.disconnect();

const producer = kafka.producer({ 'linger.ms': 10, acks: -1 });
await producer.connect();
const created = new Set(wanted.map((t) => t.topic));
const customers = ['ada', 'grace', 'linus', 'margaret', 'ken'];
if (created.has(ORDERS)) {
  const messages = Array.from({ length: 300 }, (_, i) => ({
    key: `order-${i}`,
    value: JSON.stringify({
      orderId: `order-${i}`,
      customer: customers[i % customers.length],
      items: 1 + (i % 4),
      totalCents: 500 + i * 37,
    }),
    headers: { 'content-type': 'application/json', source: 'demo' },
  }));
  // One poison message: not JSON, so a handler that parses JSON fails on it.
  messages.splice(150, 0, {
    key: 'order-poison',
    value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x7b]),
    headers: { source: 'demo' },
  });
  await producer.send({ topic: ORDERS, messages });
}
if (created.has(PAYMENTS)) {
  // Registered through the registry's Confluent-compatible API, framed as Confluent's serializers
  // frame records: magic byte 0, the 4-byte schema id, the Avro body.
  const response = await fetch(
    `${services.registry.url}/subjects/${encodeURIComponent(`${PAYMENTS}-value`)}/versions`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(paymentSchema) }),
      signal: AbortSignal.timeout(10_000),
    },
  );
  if (!response.ok)
    throw new Error(`registering the demo schema failed: HTTP ${response.status} ${await response.text()}`);
  const { id } = await response.json();
  const type = avro.Type.forSchema(paymentSchema);
  const header = Buffer.alloc(5);
  header.writeInt32BE(id, 1);
  const messages = [];
  for (let i = 0; i < 100; i++) {
    const body = type.toBuffer({
      paymentId: `pay-${i}`,
      orderId: `order-${i}`,
      amountCents: 500 + i * 37,
      currency: ['EUR', 'USD', 'GBP'][i % 3],
      capturedAt: Date.UTC(2026, 10, 1) + i * 60_000,
    });
    messages.push({ key: `order-${i}`, value: Buffer.concat([header, body]) });
  }
  await producer.send({ topic: PAYMENTS, messages });
}
await producer.disconnect();
console.log(
  created.size ? `[demo] created ${[...created].join(', ')} with demo messages` : '[demo] demo topics already exist',
);
