// The generated consumer on the real broker: 10,000 records with poison ones, a SIGTERM mid-stream,
// a SIGKILL, a restart to the end. The same scenario for the TypeScript and the Python project.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DLQ_HEADERS } from '../../../src/core/dlq/envelopeContract';
import { detectDeadLetter, envelopeOf, headerMap } from '../../../src/core/dlq/detect';
import { payloadOf } from '../../../src/core/dlq/envelope';
import { readDeadLetters } from '../../../src/core/dlq/deadLetterReader';
import { defaultGeneratorInput, type GeneratorInput } from '../../../src/core/generator/generatorInput';
import type { KafkaRecord } from '../../../src/core/kafka/record';
import { CommittedReader } from '../../support/committedReader';
import { createTopic, deleteTopicsQuietly, produceSequence, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { type ConsumerProcess, readProcessed } from './generatedProject';

export const RECORDS = 10_000;
export const PARTITIONS = 3;

/** Every 1000 records: one that is not JSON, one the handler refuses, one that fails once and then works. */
export const kindOf = (seq: number): 'notJson' | 'reject' | 'flaky' | 'good' =>
  seq % 1000 === 999 ? 'notJson' : seq % 1000 === 500 ? 'reject' : seq % 1000 === 250 ? 'flaky' : 'good';

export function valueOf(seq: number): string | Buffer {
  switch (kindOf(seq)) {
    case 'notJson':
      return Buffer.from([0x7b, 0x6e, 0x6f, 0x74, 0x20, 0xff, 0xfe]); // "{not " and bytes that are not UTF-8
    case 'reject':
      return JSON.stringify({ seq, poison: 'reject' });
    case 'flaky':
      return JSON.stringify({ seq, flaky: true });
    default:
      return JSON.stringify({ seq, amount: seq * 3 });
  }
}

export function scenarioInput(language: GeneratorInput['language'], topic: string, groupId: string): GeneratorInput {
  return defaultGeneratorInput({
    language,
    groupId,
    topics: [topic],
    dlqTopic: `${topic}.dead-letter`,
    valueFormat: 'json',
    commitPolicy: { kind: 'batch', maxMessages: 200, maxIntervalMs: 1000 },
    concurrency: 4,
    retry: { baseMs: 50, capMs: 400, jitter: 0.5, maxAttempts: 3 },
    connection: { bootstrapServers: services.kafka.plaintext },
  });
}

export interface Scenario {
  readonly topic: string;
  readonly groupId: string;
  readonly dlqTopic: string;
  readonly processedLog: string;
  /** Starts the project's consumer with the test handler in place. */
  start(extraEnv: NodeJS.ProcessEnv): ConsumerProcess;
}

export async function createScenarioTopics(topic: string): Promise<void> {
  await createTopic(topic, PARTITIONS);
  await createTopic(`${topic}.dead-letter`, 1);
  await produceSequence(topic, RECORDS, { keys: 30, value: valueOf });
}

export async function cleanUp(topic: string, groupId: string, processes: ConsumerProcess[]): Promise<void> {
  for (const p of processes) await p.kill();
  await deleteTopicsQuietly(topic, `${topic}.dead-letter`);
  await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
}

async function endOffsets(topic: string): Promise<Map<number, number>> {
  const offsets = await withAdmin((admin) => admin.fetchTopicOffsets(topic));
  return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
}

async function committed(groupId: string, topic: string): Promise<Map<number, number>> {
  const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
  try {
    return await reader.read(
      topic,
      Array.from({ length: PARTITIONS }, (_, i) => i),
    );
  } finally {
    await reader.close();
  }
}

interface DeadLetters {
  readonly records: KafkaRecord[];
  /** By original partition: the original offsets dead-lettered. */
  readonly byPartition: Map<number, Set<number>>;
}

async function deadLetters(dlqTopic: string): Promise<DeadLetters> {
  const read = await readDeadLetters({
    connection: { bootstrapServers: services.kafka.plaintext },
    topic: dlqTopic,
    timeoutMs: 60_000,
  });
  const byPartition = new Map<number, Set<number>>();
  for (const record of read.records) {
    const envelope = envelopeOf(record);
    assert.ok(envelope, `DLQ record at offset ${record.offset} is not the extension's envelope`);
    let set = byPartition.get(envelope.original_partition);
    if (!set) byPartition.set(envelope.original_partition, (set = new Set()));
    set.add(envelope.original_offset);
  }
  return { records: read.records, byPartition };
}

function done(
  processed: Map<number, Set<number>>,
  dead: Map<number, Set<number>>,
  partition: number,
  offset: number,
): boolean {
  return !!processed.get(partition)?.has(offset) || !!dead.get(partition)?.has(offset);
}

/** The first offset of the partition that is neither handled nor dead-lettered. */
function firstNotDone(
  processed: Map<number, Set<number>>,
  dead: Map<number, Set<number>>,
  partition: number,
  end: number,
): number {
  let offset = 0;
  while (offset < end && done(processed, dead, partition, offset)) offset++;
  return offset;
}

export interface ScenarioFigures {
  stoppedAt: number;
  killedAt: number;
  duplicates: number;
  deadLetters: number;
}

/**
 * SIGTERM mid-stream (exit 0; it committed exactly what was done), SIGKILL mid-stream (nothing
 * committed that was not done), a restart to the end (committed = end offsets; every record handled
 * or dead-lettered; the poison ones, and only those, in the DLQ with the extension's envelope).
 */
export async function runScenario(
  scenario: Scenario,
  processes: ConsumerProcess[],
  log: (line: string) => void,
): Promise<ScenarioFigures> {
  const ends = await endOffsets(scenario.topic);
  assert.equal(
    [...ends.values()].reduce((a, b) => a + b, 0),
    RECORDS,
  );
  const lines = (): number => readProcessed(scenario.processedLog).lines;

  // 1. SIGTERM mid-stream.
  const first = scenario.start({ HANDLER_DELAY_MS: '2' });
  processes.push(first);
  await waitFor('2,000 records handled by the first run', 180_000, () => {
    if (!first.running) throw new Error(`the consumer exited early:\n${first.log.slice(-4000)}`);
    return lines() >= 2000 ? true : undefined;
  });
  first.signal('SIGTERM');
  const exit = await first.waitForExit(90_000);
  assert.equal(exit.code, 0, `SIGTERM: exit code 0 expected, output:\n${first.log.slice(-3000)}`);
  const stoppedAt = lines();
  assert.ok(stoppedAt < RECORDS - 1000, `the SIGTERM came mid-stream (${stoppedAt} handled)`);
  {
    const processed = readProcessed(scenario.processedLog).byPartition;
    const dead = (await deadLetters(scenario.dlqTopic)).byPartition;
    const commits = await committed(scenario.groupId, scenario.topic);
    for (const [partition, end] of ends) {
      const expected = firstNotDone(processed, dead, partition, end);
      assert.equal(
        Math.max(0, commits.get(partition) ?? -1),
        expected,
        `after SIGTERM, partition ${partition} is committed up to what was done`,
      );
    }
    assert.ok(
      [...commits.values()].some((c) => c > 0),
      'the first run committed something',
    );
  }

  // 2. SIGKILL mid-stream.
  const second = scenario.start({ HANDLER_DELAY_MS: '2' });
  processes.push(second);
  await waitFor('2,000 more records handled by the second run', 180_000, () => {
    if (!second.running) throw new Error(`the consumer exited early:\n${second.log.slice(-4000)}`);
    return lines() >= stoppedAt + 2000 ? true : undefined;
  });
  second.signal('SIGKILL');
  await second.waitForExit(30_000);
  const killedAt = lines();
  {
    const processed = readProcessed(scenario.processedLog).byPartition;
    const dead = (await deadLetters(scenario.dlqTopic)).byPartition;
    const commits = await committed(scenario.groupId, scenario.topic);
    for (const [partition, end] of ends) {
      const commit = Math.max(0, commits.get(partition) ?? -1);
      assert.ok(
        commit <= firstNotDone(processed, dead, partition, end),
        `after SIGKILL, partition ${partition} has nothing committed that was not done (committed ${commit})`,
      );
    }
  }

  // 3. Restart, to the end.
  const third = scenario.start({ HANDLER_DELAY_MS: '0' });
  processes.push(third);
  await waitFor('the committed offsets to reach the end offsets', 240_000, async () => {
    if (!third.running) throw new Error(`the consumer exited early:\n${third.log.slice(-4000)}`);
    const commits = await committed(scenario.groupId, scenario.topic);
    return [...ends].every(([p, end]) => commits.get(p) === end) ? true : undefined;
  });
  third.signal('SIGTERM');
  assert.equal((await third.waitForExit(90_000)).code, 0, `the last run stops cleanly:\n${third.log.slice(-3000)}`);

  const processedLog = readProcessed(scenario.processedLog);
  const dlq = await deadLetters(scenario.dlqTopic);
  // Nothing lost: every record was handled or dead-lettered.
  const missing: string[] = [];
  for (const [partition, end] of ends)
    for (let offset = 0; offset < end; offset++)
      if (!done(processedLog.byPartition, dlq.byPartition, partition, offset)) missing.push(`${partition}:${offset}`);
  assert.deepEqual(missing.slice(0, 20), [], `${missing.length} records neither handled nor dead-lettered`);

  // The poison records, and only those, are in the DLQ, as the extension reads them.
  const poisonSeen = new Map<string, KafkaRecord>();
  for (const record of dlq.records) {
    const envelope = envelopeOf(record);
    assert.ok(envelope);
    const info = detectDeadLetter(record);
    assert.equal(info?.source, 'envelope');
    const headers = headerMap(record.headers);
    const seq = Number(headers.get('seq')?.toString());
    assert.ok(Number.isInteger(seq), 'the original headers are kept');
    const kind = kindOf(seq);
    assert.ok(kind === 'notJson' || kind === 'reject', `record ${seq} (${kind}) must not be dead-lettered`);
    assert.deepEqual(
      payloadOf(envelope),
      Buffer.from(valueOf(seq)),
      `record ${seq}: the payload is the original bytes`,
    );
    assert.equal(envelope.payload_encoding, kind === 'notJson' ? 'base64' : 'utf8');
    assert.equal(envelope.error_type, kind === 'notJson' ? 'MessageDecodeError' : 'InvalidMessage');
    assert.equal(envelope.retry_count, kind === 'notJson' ? 0 : 1, `record ${seq}: retry_count`);
    assert.equal(envelope.original_topic, scenario.topic);
    assert.equal(record.key?.toString(), `key-${seq % 30}`, 'the original key is kept');
    for (const name of Object.values(DLQ_HEADERS)) assert.ok(headers.has(name), `header ${name}`);
    assert.equal(headers.get(DLQ_HEADERS.errorType)?.toString(), envelope.error_type);
    assert.equal(headers.get(DLQ_HEADERS.originalOffset)?.toString(), String(envelope.original_offset));
    assert.match(envelope.failed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(envelope), [
      'original_topic',
      'original_partition',
      'original_offset',
      'original_timestamp',
      'error_type',
      'error_message',
      'failed_at',
      'retry_count',
      'payload',
      'payload_encoding',
    ]);
    poisonSeen.set(`${envelope.original_partition}:${envelope.original_offset}`, record);
  }
  const poisonCount = Array.from({ length: RECORDS }, (_, seq) => kindOf(seq)).filter(
    (k) => k === 'notJson' || k === 'reject',
  ).length;
  assert.equal(poisonSeen.size, poisonCount, 'every poison record is in the DLQ');
  // The others were handled, the flaky ones (which fail once) included: none of them dead-lettered.
  const handled = [...processedLog.byPartition.values()].reduce((n, set) => n + set.size, 0);
  assert.equal(handled, RECORDS - poisonCount, 'every other record was handled');
  const figures = {
    stoppedAt,
    killedAt,
    duplicates: processedLog.lines - (RECORDS - poisonCount),
    deadLetters: dlq.records.length,
  };
  log(
    `SIGTERM after ${stoppedAt} handled, SIGKILL after ${killedAt}; ${figures.duplicates} handled twice (at-least-once after the kill); ${figures.deadLetters} DLQ records for ${poisonCount} poison records`,
  );
  return figures;
}

export function newScenarioNames(prefix: string): { topic: string; groupId: string } {
  return { topic: uniqueName(`${prefix}-topic`), groupId: uniqueName(`${prefix}-group`) };
}

export function processedLogIn(projectDir: string): string {
  return path.join(projectDir, 'processed.log');
}

export function writeFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}
