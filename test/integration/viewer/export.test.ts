import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { ExportedMessage } from '../../../src/core/viewer/exportFormats';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { uniqueName } from '../../support/services';
import { openViewer, produceFast, waitForState } from './support';

/** A write function over a file stream that waits when the stream is full (backpressure). */
function fileWriter(file: string): { write: (chunk: string) => Promise<void>; close: () => Promise<void> } {
  const stream = fs.createWriteStream(file, { encoding: 'utf8' });
  return {
    write: (chunk) =>
      new Promise((resolve, reject) => {
        stream.write(chunk, (err) => (err ? reject(err) : resolve()));
      }),
    close: () => new Promise((resolve) => stream.end(resolve)),
  };
}

// Recent times: the broker's retention (7 days by default) would remove older records mid-test.
const base = Date.now() - 3_600_000;

describe('viewer export, streamed (real broker)', function () {
  this.timeout(300_000);
  const topic = uniqueName('it-viewer-export');
  const count = 200_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-viewer-export-'));
  let viewer: MessageViewer;

  before(async () => {
    await createTopic(topic, 4);
    await produceFast(topic, count, (i) => ({
      partition: i % 4,
      key: i % 1000 === 0 ? null : `k-${i}`,
      value: JSON.stringify({ i, big: 9007199254740993n.toString(), text: `line ${i}\nwith "quotes", commas` }).replace(
        '"9007199254740993"',
        '9007199254740993',
      ),
      timestamp: base + i,
      headers: [{ seq: String(i) }, { bin: Buffer.from([0xff, i & 0xff]) }],
    }));
    viewer = openViewer({ topic, start: { kind: 'beginning' }, capacity: 250_000 });
    await viewer.start();
    await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp', 180_000);
    assert.equal(viewer.counts.read, count);
  });
  after(async () => {
    await viewer?.stop();
    await deleteTopicsQuietly(topic);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes 200,000 messages as NDJSON, each line exact, with progress', async () => {
    const file = path.join(dir, 'all.ndjson');
    const out = fileWriter(file);
    const progress: number[] = [];
    viewer.setSort('partitionOffset');
    const written = await viewer.exportTo('ndjson', out.write, { onProgress: (n, total) => progress.push(n / total) });
    await out.close();
    assert.equal(written, count);
    assert.ok(progress.length > 2 && progress.at(-1) === 1, `progress ${progress.slice(0, 3).join(',')}…`);
    const seen = new Set<number>();
    let lines = 0;
    let previous: [number, number] = [-1, -1];
    const rl = readline.createInterface({ input: fs.createReadStream(file, 'utf8'), crlfDelay: Infinity });
    for await (const line of rl) {
      lines++;
      const m = JSON.parse(line) as ExportedMessage;
      const value = m.value.decoded as { i: number; big: string; text: string };
      const i = value.i;
      assert.equal(m.v, 1);
      assert.equal(m.topic, topic);
      assert.equal(m.partition, i % 4);
      assert.ok(
        m.partition > previous[0] || (m.partition === previous[0] && m.offset > previous[1]),
        'in partition and offset order',
      );
      previous = [m.partition, m.offset];
      assert.equal(m.offset, Math.floor(i / 4));
      assert.equal(m.timestamp, base + i);
      assert.equal(m.time, new Date(base + i).toISOString());
      assert.equal(m.value.format, 'json');
      assert.equal(value.big, '9007199254740993', 'a long beyond 2^53 stays exact, as a string');
      assert.equal(value.text, `line ${i}\nwith "quotes", commas`);
      assert.match(Buffer.from(m.value.base64!, 'base64').toString(), /"big":9007199254740993,/);
      if (i % 1000 === 0) assert.deepEqual(m.key, { format: 'null', decoded: null, base64: null });
      else
        assert.deepEqual(m.key, {
          format: 'text',
          decoded: `k-${i}`,
          base64: Buffer.from(`k-${i}`).toString('base64'),
        });
      assert.deepEqual(m.headers, [
        { key: 'seq', text: String(i), base64: Buffer.from(String(i)).toString('base64') },
        {
          key: 'bin',
          text: Buffer.from([0xff, i & 0xff]).toString('utf8'),
          base64: Buffer.from([0xff, i & 0xff]).toString('base64'),
        },
      ]);
      seen.add(i);
    }
    assert.equal(lines, count);
    assert.equal(seen.size, count, 'every message once');
  });

  it('exports the filtered view as one JSON array and as CSV', async () => {
    await viewer.setFilter({ offsets: { to: 2 }, partitions: [1] });
    viewer.setSort('arrival');
    const jsonFile = path.join(dir, 'some.json');
    const json = fileWriter(jsonFile);
    assert.equal(await viewer.exportTo('json', json.write), 3);
    await json.close();
    const array = JSON.parse(fs.readFileSync(jsonFile, 'utf8')) as ExportedMessage[];
    assert.deepEqual(
      array.map((m) => [m.partition, m.offset]),
      [
        [1, 0],
        [1, 1],
        [1, 2],
      ],
    );
    const csvFile = path.join(dir, 'some.csv');
    const csv = fileWriter(csvFile);
    assert.equal(await viewer.exportTo('csv', csv.write), 3);
    await csv.close();
    const text = fs.readFileSync(csvFile, 'utf8');
    assert.ok(
      text.startsWith(
        '\ufefftopic,partition,offset,timestamp,time,key_format,key,value_format,value,headers,error\r\n',
      ),
    );
    // The value cell holds a line break and quotes: quoted, quotes doubled; 4 records of CSV.
    assert.ok(
      text.includes('"{""i"":1,""big"":""9007199254740993"",""text"":""line 1\\nwith \\""quotes\\"", commas""}"'),
      text.slice(0, 600),
    );
    await viewer.setFilter({});
  });

  it('stops at once when cancelled, and writing resumes reading afterwards', async () => {
    const controller = new AbortController();
    let chunks = 0;
    await assert.rejects(
      viewer.exportTo(
        'ndjson',
        async () => {
          if (++chunks === 2) controller.abort();
        },
        { signal: controller.signal },
      ),
      (e: Error) => e.name === 'AbortError',
    );
    assert.equal(chunks, 2);
  });
});
