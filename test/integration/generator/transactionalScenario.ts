// The exactly-once generated consumer on the real broker: records with poison ones, SIGKILLs at
// random moments (mid-transaction too), a second instance with the same transactional.id that
// fences the first, a run to the end; then a read_committed reader of the output topic must see
// each handled input exactly once (0 lost, 0 duplicates), and the DLQ each poison record once.
// The same scenario for the TypeScript and the Python project.
import * as assert from 'node:assert/strict';
import { envelopeOf } from '../../../src/core/dlq/detect';
import { defaultGeneratorInput, type GeneratorInput } from '../../../src/core/generator/generatorInput';
import type { KafkaRecord } from '../../../src/core/kafka/record';
import { CommittedReader } from '../../support/committedReader';
import { createTopic, deleteTopicsQuietly, produceSequence, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { readTopic, type ReadRecord } from '../../support/topicReader';
import { kindOf, valueOf } from './consumerScenario';
import type { ConsumerProcess } from './generatedProject';

export const EOS_RECORDS = Number(process.env.GEN_EOS_RECORDS ?? 6000);
const PARTITIONS = 3;
/** Progress (committed inputs) at which each SIGKILL comes, plus a random delay so that it lands mid-transaction. */
const KILL_AT = [0.15, 0.35, 0.55];

export interface EosNames {
  readonly topic: string;
  readonly groupId: string;
  readonly dlqTopic: string;
  readonly outputTopic: string;
}

export function eosNames(prefix: string): EosNames {
  const topic = uniqueName(`${prefix}-topic`);
  return {
    topic,
    groupId: uniqueName(`${prefix}-group`),
    dlqTopic: `${topic}.dead-letter`,
    outputTopic: `${topic}.out`,
  };
}

export function eosInput(language: GeneratorInput['language'], names: EosNames): GeneratorInput {
  return defaultGeneratorInput({
    language,
    groupId: names.groupId,
    topics: [names.topic],
    dlqTopic: names.dlqTopic,
    delivery: 'exactly-once',
    outputTopic: names.outputTopic,
    valueFormat: 'json',
    commitPolicy: { kind: 'batch', maxMessages: 200, maxIntervalMs: 1000 },
    concurrency: 1,
    retry: { baseMs: 50, capMs: 400, jitter: 0.5, maxAttempts: 3 },
    connection: { bootstrapServers: services.kafka.plaintext },
  });
}

export async function createEosTopics(names: EosNames): Promise<void> {
  await createTopic(names.topic, PARTITIONS);
  await createTopic(names.dlqTopic, 1);
  await createTopic(names.outputTopic, PARTITIONS);
  await produceSequence(names.topic, EOS_RECORDS, { keys: 30, value: valueOf });
}

export async function cleanUpEos(names: EosNames, processes: ConsumerProcess[]): Promise<void> {
  for (const p of processes) await p.kill();
  await deleteTopicsQuietly(names.topic, names.dlqTopic, names.outputTopic);
  await withAdmin((admin) => admin.deleteGroups([names.groupId])).catch(() => undefined);
}

async function committedTotal(names: EosNames): Promise<number> {
  const reader = await CommittedReader.open(services.kafka.plaintext, names.groupId);
  try {
    const offsets = await reader.read(
      names.topic,
      Array.from({ length: PARTITIONS }, (_, i) => i),
    );
    return [...offsets.values()].reduce((n, o) => n + Math.max(0, o), 0);
  } finally {
    await reader.close();
  }
}

const seqOf = (record: ReadRecord): number => Number(record.headers.seq);

export interface EosFigures {
  readonly kills: number;
  readonly outputs: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly abortedOnLog: number;
  readonly deadLetters: number;
  readonly fencedExit: number | null;
  /** Runs that stopped on a fatal producer error (exit 1, nothing committed) and were started again. */
  readonly fatalRestarts: number;
}

/**
 * `start(instanceId)` starts the project's consumer with the test handler. Three SIGKILLs, then a
 * run that a second instance with the same transactional id fences (it must exit 1 saying so), and
 * that second instance to the end.
 */
export async function runEosScenario(
  names: EosNames,
  start: (instanceId: string, handlerDelayMs: number) => ConsumerProcess,
  processes: ConsumerProcess[],
  log: (line: string) => void,
): Promise<EosFigures> {
  const launch = (handlerDelayMs = 1): ConsumerProcess => {
    const p = start('kill-test', handlerDelayMs);
    processes.push(p);
    return p;
  };
  // A consumer that stops on a fatal producer error (not a fencing) exits 1, committing nothing more;
  // its supervisor (Docker, Kubernetes) starts it again: so does this test, and counts it.
  const fatalRestarts: string[] = [];
  const restartIfFatal = (p: ConsumerProcess): boolean => {
    const fatal = /fatal: ([^\n]*)/.exec(p.log)?.[1];
    if (p.running || !fatal || /was fenced/.test(fatal)) return false;
    fatalRestarts.push(fatal.slice(0, 300));
    return fatalRestarts.length <= 3;
  };
  for (const fraction of KILL_AT) {
    let run = launch();
    const target = Math.round(EOS_RECORDS * fraction);
    await waitFor(`${target} inputs committed before a SIGKILL`, 240_000, async () => {
      if (!run.running && restartIfFatal(run)) run = launch();
      if (!run.running) throw new Error(`the consumer exited early:\n${run.log.slice(-4000)}`);
      return (await committedTotal(names)) >= target ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.floor(Math.random() * 700)));
    run.signal('SIGKILL');
    await run.waitForExit(30_000);
  }

  // A run, then a second instance with the same transactional.id: the first is fenced and stops.
  // The first is slowed down, so that it still has work (and a commit to make) when it is fenced.
  let first = launch(20);
  const progress = await committedTotal(names);
  await waitFor('the run before the fencing to commit', 240_000, async () => {
    if (!first.running && restartIfFatal(first)) first = launch(20);
    if (!first.running) throw new Error(`the consumer exited early:\n${first.log.slice(-4000)}`);
    return (await committedTotal(names)) > progress ? true : undefined;
  });
  let second = launch();
  const fenced = await first.waitForExit(120_000);
  assert.equal(fenced.code, 1, `the fenced instance exits 1; output:\n${first.log.slice(-3000)}`);
  assert.match(first.log, /fatal: the transactional producer [^\n]+ was fenced/);

  const ends = await withAdmin((admin) => admin.fetchTopicOffsets(names.topic));
  const endTotal = ends.reduce((n, o) => n + Number(o.high), 0);
  assert.equal(endTotal, EOS_RECORDS);
  await waitFor('the committed offsets to reach the end offsets', 300_000, async () => {
    if (!second.running && restartIfFatal(second)) second = launch();
    if (!second.running) throw new Error(`the consumer exited early:\n${second.log.slice(-4000)}`);
    return (await committedTotal(names)) === EOS_RECORDS ? true : undefined;
  });
  second.signal('SIGTERM');
  assert.equal((await second.waitForExit(90_000)).code, 0, `the last run stops cleanly:\n${second.log.slice(-3000)}`);

  // What a read_committed reader sees: each handled input exactly once; the poison ones in the DLQ once.
  const poison = (seq: number): boolean => kindOf(seq) === 'notJson' || kindOf(seq) === 'reject';
  const committedOutputs = await readTopic(names.outputTopic, 'read_committed', 120_000);
  const allOutputs = await readTopic(names.outputTopic, 'read_uncommitted', 120_000);
  const counts = new Map<number, number>();
  for (const record of committedOutputs) {
    const seq = seqOf(record);
    assert.ok(Number.isInteger(seq) && !poison(seq), `output ${record.partition}@${record.offset} for input ${seq}`);
    assert.deepEqual(
      JSON.parse(record.value?.toString() ?? 'null'),
      JSON.parse(valueOf(seq).toString()),
      `output of ${seq}`,
    );
    assert.equal(record.key, `key-${seq % 30}`, 'the output keeps the input key');
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  const expected = Array.from({ length: EOS_RECORDS }, (_, seq) => seq).filter((seq) => !poison(seq));
  const poisonCount = EOS_RECORDS - expected.length;
  const dlq = await readTopic(names.dlqTopic, 'read_committed', 60_000);
  const dead = new Map<number, number>();
  for (const record of dlq) {
    const asRecord: KafkaRecord = {
      topic: names.dlqTopic,
      partition: record.partition,
      offset: record.offset,
      key: null,
      value: record.value,
    };
    const envelope = envelopeOf(asRecord);
    assert.ok(envelope, `DLQ record ${record.offset} is the extension's envelope`);
    const seq = Number(record.headers.seq);
    assert.ok(
      poison(seq),
      `input ${seq} (${kindOf(seq)}) must not be dead-lettered (${envelope.error_type}: ${envelope.error_message})`,
    );
    assert.equal(envelope.error_type, kindOf(seq) === 'notJson' ? 'MessageDecodeError' : 'InvalidMessage');
    dead.set(seq, (dead.get(seq) ?? 0) + 1);
  }
  assert.equal(dead.size, poisonCount, 'every poison record is dead-lettered');
  assert.deepEqual(
    [...dead.values()].filter((n) => n !== 1),
    [],
    'each dead letter committed once',
  );

  const lost = expected.filter((seq) => !counts.has(seq));
  const duplicates = [...counts.values()].reduce((n, c) => n + (c - 1), 0);
  assert.deepEqual(lost.slice(0, 20), [], `${lost.length} inputs have no committed output`);
  assert.equal(duplicates, 0, 'a read_committed reader sees no output twice');

  const figures: EosFigures = {
    kills: KILL_AT.length,
    outputs: committedOutputs.length,
    lost: lost.length,
    duplicates,
    abortedOnLog: allOutputs.length - committedOutputs.length,
    deadLetters: dlq.length,
    fencedExit: fenced.code,
    fatalRestarts: fatalRestarts.length,
  };
  log(
    `${EOS_RECORDS} inputs, ${figures.kills} SIGKILLs and a fenced instance (exit ${figures.fencedExit}): read_committed sees ${figures.outputs} outputs, ${figures.lost} lost, ${figures.duplicates} duplicates; ${figures.abortedOnLog} aborted records on the log; ${figures.deadLetters} dead letters for ${poisonCount} poison records; ${figures.fatalRestarts} restarts after a fatal producer error${fatalRestarts.length ? ` (${fatalRestarts.join(' | ')})` : ''}`,
  );
  return figures;
}
