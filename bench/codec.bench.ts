// Decoding speed: our full path (wire-format framing + schema cache lookup + decode) against avsc's
// raw fromBuffer on the same bodies and JSON.parse of the same records as JSON.
import * as avro from 'avsc';
import { PayloadDecoder } from '../src/core/codec/payloadDecoder';
import { SchemaCache } from '../src/core/codec/schemaCache';
import { encodeFrame } from '../src/core/codec/wireFormat';
import type { RegistryReader } from '../src/core/registry/registryClient';
import { measure, type Bench, type Measurement } from './harness';

const RECORDS = 200_000;
const ROUNDS = 5;
const SCHEMA_ID = 4242;

/** An order event: 15 fields, nested records, an array of records, unions, enums, a map. */
const schema = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'lab.bench',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'createdAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'PACKED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] } },
    { name: 'currency', type: 'string' },
    { name: 'totalCents', type: 'long' },
    { name: 'taxCents', type: 'int' },
    { name: 'discount', type: ['null', 'double'], default: null },
    {
      name: 'items',
      type: {
        type: 'array',
        items: { type: 'record', name: 'LineItem', fields: [{ name: 'sku', type: 'string' }, { name: 'quantity', type: 'int' }, { name: 'unitPriceCents', type: 'long' }] },
      },
    },
    {
      name: 'shipping',
      type: {
        type: 'record',
        name: 'Address',
        fields: [
          { name: 'street', type: 'string' },
          { name: 'city', type: 'string' },
          { name: 'postalCode', type: 'string' },
          { name: 'country', type: 'string' },
          { name: 'geo', type: ['null', { type: 'record', name: 'Geo', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] }], default: null },
        ],
      },
    },
    { name: 'couponCode', type: ['null', 'string'], default: null },
    { name: 'giftWrap', type: 'boolean' },
    { name: 'channel', type: { type: 'enum', name: 'Channel', symbols: ['WEB', 'APP', 'STORE', 'PHONE'] } },
    { name: 'notes', type: ['null', 'string'], default: null },
    { name: 'attributes', type: { type: 'map', values: 'string' }, default: {} },
  ],
};

/** A small deterministic generator, so every run decodes the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function makeRecords(count: number): Record<string, unknown>[] {
  const next = random(7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const cities = ['Amsterdam', 'Berlin', 'Lisbon', 'Oslo', 'Warsaw', 'Zürich'];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const items = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, j) => ({ sku: `SKU-${(i * 7 + j) % 9973}`, quantity: 1 + Math.floor(next() * 5), unitPriceCents: 199 + Math.floor(next() * 50_000) }));
    out.push({
      orderId: `ord-${i.toString(36).padStart(8, '0')}`,
      customerId: `cust-${Math.floor(next() * 1e6)}`,
      createdAt: 1_700_000_000_000 + i * 1000,
      status: pick(['NEW', 'PAID', 'PACKED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const),
      currency: pick(['EUR', 'USD', 'GBP'] as const),
      totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
      taxCents: Math.floor(next() * 5000),
      discount: next() < 0.3 ? Math.round(next() * 100) / 10 : null,
      items,
      shipping: {
        street: `${1 + Math.floor(next() * 200)} Main Street`,
        city: pick(cities),
        postalCode: String(10000 + Math.floor(next() * 89999)),
        country: pick(['NL', 'DE', 'PT', 'NO', 'PL', 'CH'] as const),
        geo: next() < 0.5 ? { lat: next() * 180 - 90, lon: next() * 360 - 180 } : null,
      },
      couponCode: next() < 0.2 ? `SAVE${Math.floor(next() * 50)}` : null,
      giftWrap: next() < 0.1,
      channel: pick(['WEB', 'APP', 'STORE', 'PHONE'] as const),
      notes: next() < 0.15 ? 'Leave at the door, please.' : null,
      attributes: next() < 0.5 ? { source: 'campaign-42', device: pick(['ios', 'android', 'desktop'] as const) } : {},
    });
  }
  return out;
}

/** The registry as the cache sees it, in memory: the bench measures decoding, not HTTP. */
function inMemoryRegistry(text: string): RegistryReader {
  return {
    getSchemaById: async (id) => ({ ok: true, value: { id, schemaType: 'AVRO', schema: text, references: [] } }),
    getSubjectVersionsForId: async () => ({ ok: true, value: [{ subject: 'orders-value', version: 1 }] }),
    getSchemaByVersion: async (subject, version) => ({ ok: true, value: { id: SCHEMA_ID, schemaType: 'AVRO', schema: text, references: [], subject, version: version === 'latest' ? 1 : version } }),
  };
}

function best(measurements: Measurement[]): Measurement {
  return measurements.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
}

export const bench: Bench = {
  key: 'codec-avro-decode',
  needsServices: false,
  async run() {
    const records = makeRecords(RECORDS);
    const rawType = avro.Type.forSchema(schema as avro.Schema);
    const bodies = records.map((record) => rawType.toBuffer(record));
    const framed = bodies.map((body) => encodeFrame(SCHEMA_ID, body));
    // The same bytes as our path reads, so both read the same memory layout.
    const sameBodies = framed.map((buffer) => buffer.subarray(5));
    const jsons = records.map((record) => Buffer.from(JSON.stringify(record)));
    const avroBytes = bodies.reduce((n, b) => n + b.length, 0);
    const jsonBytes = jsons.reduce((n, b) => n + b.length, 0);

    const decoder = new PayloadDecoder({ schemas: new SchemaCache(inMemoryRegistry(JSON.stringify(schema))) });
    const target = { topic: 'orders', role: 'value' } as const;
    const warm = await decoder.decode(framed[0], target);
    if (!warm.ok || warm.format !== 'avro') throw new Error(`warm-up decode failed: ${JSON.stringify(warm)}`);

    let sink = 0;
    const ours = (): number => {
      for (let i = 0; i < framed.length; i++) {
        const result = decoder.decodeIfReady(framed[i], target);
        if (result === undefined || !result.ok) throw new Error(`record ${i} did not decode`);
        sink += result.raw === null ? 0 : 1;
      }
      return framed.length;
    };
    const oursAsync = async (): Promise<number> => {
      for (let i = 0; i < framed.length; i++) {
        const result = await decoder.decode(framed[i], target);
        if (!result.ok) throw new Error(`record ${i} did not decode`);
        sink += 1;
      }
      return framed.length;
    };
    const raw = (): number => {
      for (let i = 0; i < sameBodies.length; i++) sink += (rawType.fromBuffer(sameBodies[i]) as { taxCents: number }).taxCents & 1;
      return sameBodies.length;
    };
    const json = (): number => {
      for (let i = 0; i < jsons.length; i++) sink += (JSON.parse(jsons[i].toString('utf8')) as { taxCents: number }).taxCents & 1;
      return jsons.length;
    };

    // Warm every path, then interleave rounds and keep each path's best (least disturbed) round.
    ours();
    raw();
    json();
    await oursAsync();
    const runs: Record<string, Measurement[]> = { ours: [], oursAsync: [], raw: [], json: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.raw.push(await measure('avsc Type.fromBuffer on the same bodies', raw));
      runs.ours.push(await measure('ours: framing + schema cache + decode (decodeIfReady)', ours));
      runs.json.push(await measure('JSON.parse of the same records as JSON (from Buffers)', json));
      runs.oursAsync.push(await measure('ours, awaited per record (decode)', oursAsync));
    }
    const [o, oa, r, j] = [best(runs.ours), best(runs.oursAsync), best(runs.raw), best(runs.json)];
    if (sink < 0) console.log(sink);
    return {
      key: 'codec-avro-decode',
      description: `decode ${RECORDS.toLocaleString('en-US')} Confluent-framed Avro records (15 fields, nested records, array, unions, enums, map), best of ${ROUNDS} interleaved rounds`,
      measurements: [o, r, j, oa],
      ratios: {
        'ours/raw': o.perSecond / r.perSecond,
        'oursAwaited/raw': oa.perSecond / r.perSecond,
        'ours/json': o.perSecond / j.perSecond,
        'json/raw': j.perSecond / r.perSecond,
      },
      targets: { 'ours/raw': 0.8 },
      notes: [
        `average Avro body ${(avroBytes / RECORDS).toFixed(0)} bytes, JSON ${(jsonBytes / RECORDS).toFixed(0)} bytes`,
        'ours = PayloadDecoder.decodeIfReady: reads the header, finds the compiled schema in the cache (no network), one avsc read; the engine path for cached schemas',
        'oursAwaited = PayloadDecoder.decode awaited per record (one promise per record)',
        'raw = the same avsc Type.fromBuffer with no framing or cache; our types add a block-count guard to arrays and maps',
      ],
    };
  },
};
