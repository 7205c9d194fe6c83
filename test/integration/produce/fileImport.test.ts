import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importRecords, type ImportSummary } from '../../../src/core/produce/fileImport';
import { ProduceError } from '../../../src/core/produce/produceErrors';
import { createTopic, deleteTopicsQuietly, withAdmin } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { decodedValue, newProducer, readBack, registryKit } from './support';
import { toDisplayJson } from '../../../src/core/codec/displayValue';

/**
 * File import against the real broker: 100,000 records streamed from disk with a bad one in the
 * middle, skipped or stopping the run, counted exactly on both sides; schema-encoded records; and
 * broken files reported at their line and column.
 */
describe('produce: file import on the real broker', function () {
  this.timeout(180_000);
  const topics: string[] = [];
  const kit = registryKit();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-import-'));
  const COUNT = 100_000;
  const BAD = 50_000; // 0-based record number of the bad record

  const newTopic = async (partitions = 3): Promise<string> => {
    const topic = uniqueName('it-import');
    topics.push(topic);
    await createTopic(topic, partitions);
    return topic;
  };
  const total = (topic: string): Promise<number> =>
    withAdmin(async (admin) =>
      (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0),
    );
  const run = async (file: string, options: Parameters<typeof importRecords>[1]): Promise<ImportSummary> => {
    const producer = newProducer();
    try {
      return await importRecords(fs.createReadStream(file, { highWaterMark: 64 * 1024 }), options, {
        producer,
        encoder: kit.encoder,
      });
    } finally {
      await producer.close();
    }
  };

  // 100,000 NDJSON lines; line BAD+1 has a syntax error at column 23.
  const ndjson = path.join(dir, 'records.ndjson');
  before(() => {
    const out = fs.openSync(ndjson, 'w');
    let chunk = '';
    for (let i = 0; i < COUNT; i++) {
      chunk +=
        i === BAD
          ? `{"key": "k-${i}", "value" {"seq": ${i}}}\n`
          : `{"key": "k-${i}", "value": {"seq": ${i}, "big": 9007199254740993}, "headers": {"n": "${i}"}}\n`;
      if (chunk.length > 1 << 20) {
        fs.writeSync(out, chunk);
        chunk = '';
      }
    }
    fs.writeSync(out, chunk);
    fs.closeSync(out);
  });

  after(async () => {
    await deleteTopicsQuietly(...topics);
    await kit.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('skips the bad record, reports its line and column, and sends the other 99,999 exactly once', async () => {
    const topic = await newTopic();
    const progress: number[] = [];
    const summary = await run(ndjson, {
      topic,
      format: 'ndjson',
      onBadRecord: 'skip',
      progressEveryRecords: 10_000,
      onProgress: (p) => progress.push(p.read),
    });
    assert.equal(summary.outcome, 'completeWithErrors');
    assert.equal(summary.read, COUNT);
    assert.equal(summary.sent, COUNT - 1);
    assert.equal(summary.failed, 1);
    assert.deepEqual(
      summary.failures.map((f) => [f.index, f.line, f.column, f.stage, f.reason]),
      [[BAD, BAD + 1, `{"key": "k-${BAD}", "value" `.length + 1, 'parse', 'invalidJson']],
    );
    assert.deepEqual(summary.sentRanges, [
      [0, BAD - 1],
      [BAD + 1, COUNT - 1],
    ]);
    assert.deepEqual(summary.notAttemptedRanges, []);
    assert.equal(
      summary.partitions.reduce((sum, p) => sum + p.count, 0),
      COUNT - 1,
    );
    assert.equal(await total(topic), COUNT - 1);
    assert.ok(progress.length >= 10, `progress reported ${progress.length} times`);
    // a record reads back as written: its JSON value exact (2^53 + 1), its header
    const p = summary.partitions[0];
    const back = await readBack(topic, p.partition, p.firstOffset);
    assert.match(back.value?.toString() ?? '', /^\{"seq":\d+,"big":9007199254740993\}$/);
    assert.match(String(Object.values(back.headers?.[0] ?? {})[0]), /^\d+$/);
  });

  it('stops at the bad record when asked: the 50,000 before it went, nothing after it was sent', async () => {
    const topic = await newTopic();
    const summary = await run(ndjson, { topic, format: 'ndjson', onBadRecord: 'stop' });
    assert.equal(summary.outcome, 'stopped');
    assert.equal(summary.sent, BAD);
    assert.deepEqual(summary.sentRanges, [[0, BAD - 1]]);
    assert.equal(summary.failures[0].index, BAD);
    assert.equal(await total(topic), BAD);
  });

  it('a dry run checks every record and sends none', async () => {
    const topic = await newTopic();
    const summary = await run(ndjson, { topic, format: 'ndjson', onBadRecord: 'skip', dryRun: true });
    assert.equal(summary.sent, COUNT - 1);
    assert.equal(summary.failed, 1);
    assert.equal(await total(topic), 0);
  });

  it('cancelling stops reading; what was handed to the producer is accounted for exactly', async () => {
    const topic = await newTopic();
    const controller = new AbortController();
    const summary = await run(ndjson, {
      topic,
      format: 'ndjson',
      onBadRecord: 'skip',
      signal: controller.signal,
      progressEveryRecords: 5_000,
      onProgress: (p) => {
        if (p.read >= 20_000) controller.abort();
      },
    });
    assert.equal(summary.outcome, 'cancelled');
    assert.ok(summary.read < COUNT);
    assert.equal(await total(topic), summary.sent);
    const inRanges = summary.sentRanges.reduce((sum, [a, b]) => sum + b - a + 1, 0);
    assert.equal(inRanges, summary.sent);
  });

  it('a JSON array (the viewer export shape) with schema-encoded values; bad records named at line and column', async () => {
    const topic = await newTopic(1);
    await kit.register(
      `${topic}-value`,
      'AVRO',
      JSON.stringify({
        type: 'record',
        name: 'Reading',
        namespace: 'lab.import',
        fields: [
          { name: 'id', type: 'long' },
          { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
        ],
      }),
    );
    const file = path.join(dir, 'records.json');
    fs.writeFileSync(
      file,
      [
        '[',
        '  {"key": "a", "value": {"id": 9223372036854775807, "at": "1969-12-31T23:59:59.999999Z"}, "partition": 0,',
        '   "timestamp": "2026-01-01T00:00:00.000Z", "headers": [{"key": "h", "value": "1"}]},',
        '  {"key": "b", "value": {"id": "x", "at": 0}},',
        '  {"key": "c", "value": {"id": 2, "at": 0}, "partition": 5},',
        '  {"key": "d", "value": {"id": 3, "at": 0}}',
        ']',
      ].join('\n'),
    );
    const summary = await run(file, {
      topic,
      format: 'jsonArray',
      onBadRecord: 'skip',
      value: { kind: 'schema', schema: { format: 'avro', strategy: 'TopicName', version: 'latest' } },
    });
    assert.equal(summary.read, 4);
    assert.equal(summary.sent, 2);
    assert.deepEqual(
      summary.failures.map((f) => [f.index, f.line, f.column, f.stage, f.reason]),
      [
        [1, 4, 3, 'encode', 'schemaMismatch'],
        [2, 5, 3, 'record', 'invalidRecord'],
      ],
    );
    assert.deepEqual(
      summary.failures[0].fieldErrors?.map((e) => e.path),
      ['$.id'],
    );
    const first = await readBack(topic, 0, 0);
    assert.equal(first.timestamp, Date.parse('2026-01-01T00:00:00.000Z'));
    assert.deepEqual(toDisplayJson(decodedValue(await kit.decoder.decode(first.value, { topic, role: 'value' }))), {
      id: '9223372036854775807',
      at: '1969-12-31T23:59:59.999999Z',
    });
  });

  it('a missing comma is a bad record at its line and column; an unclosed array is a file error', async () => {
    const topic = await newTopic(1);
    const file = path.join(dir, 'broken.json');
    fs.writeFileSync(file, '[\n {"value": 1},\n {"value": 2}\n {"value": 3}\n]');
    const summary = await run(file, { topic, format: 'jsonArray', onBadRecord: 'skip' });
    assert.equal(summary.outcome, 'completeWithErrors');
    // the scanner sees one element spanning lines 3-4; its parse error is at line 4, column 2
    assert.equal(summary.failures[0]?.line, 4);
    assert.equal(summary.failures[0]?.column, 2);
    assert.equal(summary.failures[0]?.index, 1);
    assert.equal(summary.sent, 1);
    assert.equal(await total(topic), 1);

    fs.writeFileSync(file, '[\n {"value": 1},\n {"value": 2}');
    const unclosed = await run(file, { topic, format: 'jsonArray', onBadRecord: 'skip' });
    assert.equal(unclosed.outcome, 'fileError');
    assert.deepEqual(unclosed.fileFault, {
      line: 3,
      column: 14,
      message: 'Unexpected end of the file: the array is not closed with "]".',
    });
    assert.equal(unclosed.sent, 2);
    assert.equal(await total(topic), 3);
  });

  it('a topic that does not exist fails before anything is read', async () => {
    await assert.rejects(
      run(ndjson, { topic: uniqueName('it-import-missing'), format: 'ndjson', onBadRecord: 'skip' }),
      (error: unknown) => error instanceof ProduceError && error.reason === 'topicNotFound',
    );
  });
});
