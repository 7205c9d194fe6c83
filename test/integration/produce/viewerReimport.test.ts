import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importRecords } from '../../../src/core/produce/fileImport';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import type { KafkaRecord } from '../../../src/core/kafka/record';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { openViewer, produceFast, waitForState } from '../viewer/support';
import { newProducer, readBack, registryKit } from './support';

/**
 * The round trip the two issues promise each other: what the viewer exports as NDJSON, Produce from
 * File sends again byte for byte — schema-framed bytes, binary and repeated headers, null keys and
 * tombstones, empty values, partitions and timestamps — on the real broker.
 */
describe('produce: re-importing a viewer export (real broker)', function () {
  this.timeout(180_000);
  const source = uniqueName('it-reimport-src');
  const target = uniqueName('it-reimport-dst');
  const kit = registryKit();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-reimport-'));
  const base = Date.now() - 3_600_000;
  const count = 90;
  // A Schema Registry framed value (magic 0, id 7) that no registry knows: it must travel as bytes.
  const framed = (i: number) => Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), Buffer.from([i & 0xff, 0xff, 0x00])]);
  const valueOf = (i: number): Buffer | string | null =>
    i % 10 === 0 ? null : i % 10 === 1 ? '' : i % 10 === 2 ? framed(i) : JSON.stringify({ i, big: '9007199254740993' });
  let viewer: MessageViewer | undefined;

  before(async () => {
    await createTopic(source, 3);
    await createTopic(target, 3);
    await produceFast(source, count, (i) => ({
      partition: i % 3,
      key: i % 7 === 0 ? null : `k-${i}`,
      value: valueOf(i),
      timestamp: base + i,
      headers: [{ seq: String(i) }, { bin: Buffer.from([0xff, 0x00, i & 0xff]) }, { seq: 'again' }],
    }));
  });
  after(async () => {
    await viewer?.stop();
    await deleteTopicsQuietly(source, target);
    await kit.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends every exported record again exactly: bytes, headers, partition and timestamp', async () => {
    viewer = openViewer({ topic: source, start: { kind: 'beginning' }, follow: false });
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp', 120_000);
    viewer.setSort('partitionOffset');
    const file = path.join(dir, 'export.ndjson');
    const out = fs.createWriteStream(file);
    const write = (chunk: string) =>
      new Promise<void>((resolve, reject) => out.write(chunk, (e) => (e ? reject(e) : resolve())));
    assert.equal(await viewer.exportTo('ndjson', write), count);
    await new Promise<void>((resolve) => out.end(resolve));

    const producer = newProducer();
    let summary;
    try {
      summary = await importRecords(
        fs.createReadStream(file),
        { topic: target, format: 'ndjson', onBadRecord: 'stop' },
        { producer, encoder: kit.encoder },
      );
    } finally {
      await producer.close();
    }
    assert.equal(summary.sent, count, JSON.stringify(summary.failures.slice(0, 3)));
    assert.equal(summary.failed, 0);

    // Each target partition holds the source partition's records in the same order.
    const bytes = (b: Buffer | null) => (b === null ? null : b.toString('hex'));
    const headers = (r: KafkaRecord) =>
      (r.headers ?? []).map((h) => Object.entries(h).map(([k, v]) => [k, bytes(Buffer.from(v))]));
    for (const p of summary.partitions) {
      assert.equal(p.firstOffset, 0);
      for (let offset = 0; offset <= p.lastOffset; offset++) {
        const [original, copy] = await Promise.all([
          readBack(source, p.partition, offset),
          readBack(target, p.partition, offset),
        ]);
        const where = `partition ${p.partition} offset ${offset}`;
        assert.equal(bytes(copy.key), bytes(original.key), `key at ${where}`);
        assert.equal(bytes(copy.value), bytes(original.value), `value at ${where}`);
        assert.deepEqual(headers(copy), headers(original), `headers at ${where}`);
        assert.equal(copy.timestamp, original.timestamp, `timestamp at ${where}`);
      }
    }
    assert.equal(
      summary.partitions.reduce((n, p) => n + p.count, 0),
      count,
    );
  });
});
