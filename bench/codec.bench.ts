// Decoding speed: our full path (wire-format framing + schema cache lookup + decode with exact longs
// and readable logical types) against avsc's raw fromBuffer on the same bodies, once with avsc's
// default (lossy) long and once with the same exact long type, and JSON.parse of the same records.
// Wall and CPU time (process.cpuUsage) are both reported: the machine may be shared, and CPU time is
// the steadier of the two. Each path runs in its own worker thread (its own V8 isolate): in one
// isolate, avsc's shared reader functions collect type feedback from every path, and whichever
// type was compiled first ran up to 10% faster, whichever it was.
import * as avro from 'avsc';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { EXACT_LONG } from '../src/core/codec/avroLong';
import { buildDisplay } from '../src/core/codec/displayModel';
import { PayloadDecoder } from '../src/core/codec/payloadDecoder';
import { SchemaCache } from '../src/core/codec/schemaCache';
import { encodeFrame } from '../src/core/codec/wireFormat';
import type { RegistryReader } from '../src/core/registry/registryClient';
import { measure, type Bench, type Measurement } from './harness';

const RECORDS = 200_000;
/** Worker runs per path (interleaved across paths), and timed repetitions inside each. */
const ROUNDS = 5;
const REPEATS = 3;
const SCHEMA_ID = 4242;

/** An order event: 20 fields, nested records, an array of records, unions, enums, a map, longs and logical types. */
const schema = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'lab.bench',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'customerId', type: 'string' },
    { name: 'createdAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'eventId', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'deliveryDate', type: { type: 'int', logicalType: 'date' } },
    { name: 'recordedAt', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'customerHash', type: 'long' },
    {
      name: 'status',
      type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'PACKED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] },
    },
    { name: 'currency', type: 'string' },
    { name: 'totalCents', type: 'long' },
    { name: 'taxCents', type: 'int' },
    { name: 'discount', type: ['null', 'double'], default: null },
    {
      name: 'items',
      type: {
        type: 'array',
        items: {
          type: 'record',
          name: 'LineItem',
          fields: [
            { name: 'sku', type: 'string' },
            { name: 'quantity', type: 'int' },
            { name: 'unitPriceCents', type: 'long' },
          ],
        },
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
          {
            name: 'geo',
            type: [
              'null',
              {
                type: 'record',
                name: 'Geo',
                fields: [
                  { name: 'lat', type: 'double' },
                  { name: 'lon', type: 'double' },
                ],
              },
            ],
            default: null,
          },
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

/** Two's-complement big-endian bytes of an integer (a decimal's unscaled value). */
function unscaledBytes(n: number): Buffer {
  const out = Buffer.alloc(6);
  out.writeIntBE(n, 0, 6);
  let start = 0;
  while (
    start < 5 &&
    ((out[start] === 0 && (out[start + 1] & 0x80) === 0) || (out[start] === 0xff && (out[start + 1] & 0x80) !== 0))
  )
    start++;
  return out.subarray(start);
}

/** avsc with the exact long everywhere (by name and as {"type": "long"}), no logical types: the fair raw baseline. */
function exactLongHook(s: avro.Schema): avro.Type | undefined {
  return typeof s === 'object' && s !== null && !Array.isArray(s) && (s as { type?: unknown }).type === 'long'
    ? EXACT_LONG
    : undefined;
}

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
    const items = Array.from({ length: 1 + Math.floor(next() * 4) }, (_, j) => ({
      sku: `SKU-${(i * 7 + j) % 9973}`,
      quantity: 1 + Math.floor(next() * 5),
      unitPriceCents: 199 + Math.floor(next() * 50_000),
    }));
    out.push({
      orderId: `ord-${i.toString(36).padStart(8, '0')}`,
      customerId: `cust-${Math.floor(next() * 1e6)}`,
      createdAt: 1_700_000_000_000 + i * 1000,
      eventId: `0f8fad5b-d9cb-469f-a165-${(708677289500 + i).toString(16).padStart(12, '0')}`,
      amount: unscaledBytes(Math.floor(next() * 1e9) - 1e8),
      deliveryDate: 19_000 + (i % 400),
      recordedAt: 1_700_000_000_000_000 + i * 1_000_003,
      // within ±2^50, so avsc's lossy long decodes these too (it would throw beyond 2^53)
      customerHash: Math.floor((next() - 0.5) * 2 ** 50),
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
    getSchemaByVersion: async (subject, version) => ({
      ok: true,
      value: {
        id: SCHEMA_ID,
        schemaType: 'AVRO',
        schema: text,
        references: [],
        subject,
        version: version === 'latest' ? 1 : version,
      },
    }),
  };
}

type PathName = 'raw' | 'rawExact' | 'ours' | 'oursAwaited' | 'oursShown' | 'json';

const PATHS: Readonly<Record<PathName, string>> = {
  raw: 'avsc Type.fromBuffer, default (lossy) long, base types',
  rawExact: 'avsc Type.fromBuffer, the same exact long, base types',
  ours: 'ours: framing + schema cache + decode, exact longs + readable logical types (decodeIfReady)',
  oursAwaited: 'ours, awaited per record (decode)',
  oursShown: 'ours + display model (every readable string computed), every 10th record',
  json: 'JSON.parse of the same records as JSON (from Buffers)',
};

interface PathResult {
  readonly measurement: Measurement;
  /** Items per CPU second (user + system) of the best repetition. */
  readonly perCpuSecond: number;
}

/** Runs one path in this (worker) thread: the same deterministic records, warmed once, then REPEATS timed runs. */
async function runPath(name: PathName): Promise<PathResult> {
  const records = makeRecords(RECORDS);
  const rawType = avro.Type.forSchema(schema as avro.Schema);
  const framed = records.map((record) => encodeFrame(SCHEMA_ID, rawType.toBuffer(record)));
  // The same bytes as our path reads, so every path reads the same memory layout.
  const bodies = framed.map((buffer) => buffer.subarray(5));
  const target = { topic: 'orders', role: 'value' } as const;
  let sink = 0;
  let fn: () => Promise<number> | number;
  if (name === 'raw' || name === 'rawExact') {
    const type =
      name === 'raw'
        ? rawType
        : avro.Type.forSchema(schema as avro.Schema, { registry: { long: EXACT_LONG }, typeHook: exactLongHook });
    fn = () => {
      for (let i = 0; i < bodies.length; i++) sink += (type.fromBuffer(bodies[i]) as { taxCents: number }).taxCents & 1;
      return bodies.length;
    };
  } else if (name === 'json') {
    const jsons = records.map((record) =>
      Buffer.from(JSON.stringify({ ...record, amount: (record.amount as Buffer).toString('base64') })),
    );
    fn = () => {
      for (let i = 0; i < jsons.length; i++)
        sink += (JSON.parse(jsons[i].toString('utf8')) as { taxCents: number }).taxCents & 1;
      return jsons.length;
    };
  } else {
    const decoder = new PayloadDecoder({ schemas: new SchemaCache(inMemoryRegistry(JSON.stringify(schema))) });
    const warm = await decoder.decode(framed[0], target);
    if (!warm.ok || warm.format !== 'avro') throw new Error(`warm-up decode failed: ${JSON.stringify(warm)}`);
    checkAgreement(buildDisplay(warm.value).json as Record<string, unknown>, records[0]);
    if (name === 'ours') {
      fn = () => {
        for (let i = 0; i < framed.length; i++) {
          const result = decoder.decodeIfReady(framed[i], target);
          if (result === undefined || !result.ok) throw new Error(`record ${i} did not decode`);
          sink += 1;
        }
        return framed.length;
      };
    } else if (name === 'oursAwaited') {
      fn = async () => {
        for (let i = 0; i < framed.length; i++) {
          const result = await decoder.decode(framed[i], target);
          if (!result.ok) throw new Error(`record ${i} did not decode`);
          sink += 1;
        }
        return framed.length;
      };
    } else {
      fn = () => {
        for (let i = 0; i < framed.length; i += 10) {
          const result = decoder.decodeIfReady(framed[i], target);
          if (result === undefined || !result.ok) throw new Error(`record ${i} did not decode`);
          sink += buildDisplay((result as { value: unknown }).value).notes.length;
        }
        return Math.ceil(framed.length / 10);
      };
    }
  }
  await fn();
  let best: PathResult | undefined;
  for (let r = 0; r < REPEATS; r++) {
    const before = process.cpuUsage();
    const measurement = await measure(PATHS[name], fn);
    const used = process.cpuUsage(before);
    const perCpuSecond = measurement.items / ((used.user + used.system) / 1e6);
    if (!best || perCpuSecond > best.perCpuSecond) best = { measurement, perCpuSecond };
  }
  if (sink < 0) console.log(sink);
  return best!;
}

/** The readable forms our path shows must be the values the records were made from. */
function checkAgreement(shown: Record<string, unknown>, record: Record<string, unknown>): void {
  const amount = (record.amount as Buffer).readIntBE(0, (record.amount as Buffer).length);
  const expected = `${amount < 0 ? '-' : ''}${Math.floor(Math.abs(amount) / 100)}.${String(Math.abs(amount) % 100).padStart(2, '0')}`;
  if (shown.amount !== expected) throw new Error(`decimal shown as ${String(shown.amount)}, made as ${expected}`);
  if (shown.customerHash !== record.customerHash) throw new Error('long disagrees');
  if (shown.createdAt !== new Date(record.createdAt as number).toISOString())
    throw new Error(`timestamp shown as ${String(shown.createdAt)}`);
}

function inWorker(name: PathName): Promise<PathResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { codecBenchPath: name } });
    worker.once('message', (result: PathResult) => resolve(result));
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code !== 0 ? reject(new Error(`the ${name} worker exited with ${code}`)) : undefined,
    );
  });
}

if (!isMainThread && (workerData as { codecBenchPath?: PathName } | null)?.codecBenchPath) {
  void runPath((workerData as { codecBenchPath: PathName }).codecBenchPath).then(
    (result) => parentPort!.postMessage(result),
    (error: unknown) => {
      throw error;
    },
  );
}

export const bench: Bench = {
  key: 'codec-avro-decode',
  needsServices: false,
  async run() {
    const results: Record<string, PathResult[]> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const name of Object.keys(PATHS) as PathName[]) (results[name] ??= []).push(await inWorker(name));
    }
    const best = (name: PathName): PathResult =>
      results[name].reduce((a, b) => (b.perCpuSecond > a.perCpuSecond ? b : a));
    const wall = (name: PathName): Measurement =>
      results[name].map((r) => r.measurement).reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const cpu = (name: PathName): number => best(name).perCpuSecond;
    const avroBytes =
      makeRecords(1000).reduce((n, r) => n + avro.Type.forSchema(schema as avro.Schema).toBuffer(r).length, 0) / 1000;
    return {
      key: 'codec-avro-decode',
      description: `decode ${RECORDS.toLocaleString('en-US')} Confluent-framed Avro records (20 fields: nested records, array, unions, enums, map, longs, decimal, date, uuid, timestamp-millis/micros); each path in its own worker thread, best of ${ROUNDS} interleaved runs × ${REPEATS} repetitions`,
      measurements: (Object.keys(PATHS) as PathName[]).map(wall),
      ratios: {
        'ours/raw (cpu)': cpu('ours') / cpu('raw'),
        'ours/rawExact (cpu)': cpu('ours') / cpu('rawExact'),
        'ours/raw': wall('ours').perSecond / wall('raw').perSecond,
        'ours/rawExact': wall('ours').perSecond / wall('rawExact').perSecond,
        'rawExact/raw (cpu)': cpu('rawExact') / cpu('raw'),
        'oursAwaited/raw (cpu)': cpu('oursAwaited') / cpu('raw'),
        'ours/json (cpu)': cpu('ours') / cpu('json'),
      },
      targets: { 'ours/raw (cpu)': 0.8, 'ours/rawExact (cpu)': 0.9 },
      notes: [
        `average Avro body ${avroBytes.toFixed(0)} bytes`,
        `records per CPU second: ${(Object.keys(PATHS) as PathName[]).map((name) => `${name} ${Math.round(cpu(name)).toLocaleString('en-US')}`).join(', ')} (process.cpuUsage, user + system)`,
        'targets are on CPU time (the machine may be shared); the wall-time ratios are shown too',
        'ours = PayloadDecoder.decodeIfReady: reads the header, finds the compiled schema in the cache (no network), one avsc read with exact longs (number when safe, BigInt otherwise) and logical types as ReadableValues (readable form computed on access); the engine path for cached schemas',
        'raw = avsc Type.fromBuffer with its default long (lossy past 2^53: the sign of large negative longs flips) and no logical types; rawExact = the same with our exact long type',
        'oursShown = decode plus the bounded display model (every readable string computed), on every 10th record',
        'oursAwaited = PayloadDecoder.decode awaited per record (one promise per record); our types also guard array and map block counts',
      ],
    };
  },
};
