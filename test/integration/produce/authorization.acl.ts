// An authorisation error, end to end against a real broker that enforces ACLs: a private
// single-node KRaft broker (test/support/aclBroker.ts) with the StandardAuthorizer,
// allow.everyone.if.no.acl.found=true, a SASL_PLAINTEXT PLAIN listener, an admin super user and a
// normal user. As the normal user: Produce Message, Produce from File and re-drive into topics it
// may not write, and the viewer on topics it may not read. One broker for the whole file (its start
// is most of the time); the shared broker on 19092/19093 is never touched.
//
// ACLs (for the normal user):
//   hidden        DENY WRITE. With an ACL on the topic, "no ACL found" no longer applies, so the user
//                 may not DESCRIBE it either: metadata leaves it out, exactly like a missing topic.
//   visible       ALLOW DESCRIBE, DENY WRITE: the topic is seen, and the Produce request is refused.
//   unreadable    DENY READ (and so no DESCRIBE either).
//   describeOnly  ALLOW DESCRIBE, DENY READ: watermarks answer, the Fetch is refused.
//   open, dlq     no ACL: everything allowed.
import { strict as assert } from 'node:assert';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { PayloadEncoder } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { KafkaClientError } from '../../../src/core/errors';
import { KafkaAdmin } from '../../../src/core/kafka/admin';
import { DeadLetterWriter } from '../../../src/core/dlq/deadLetterWriter';
import { readDeadLetters } from '../../../src/core/dlq/deadLetterReader';
import { redrivenFrom } from '../../../src/core/dlq/provenance';
import { RedriveError } from '../../../src/core/dlq/redriveErrors';
import { RdkafkaRedriveProducer } from '../../../src/core/dlq/redriveProducer';
import { describeSummary, planRedrive, runRedrive } from '../../../src/core/dlq/redriveRun';
import type { KafkaRecord } from '../../../src/core/kafka/record';
import { silentLogger } from '../../../src/core/logging';
import { importRecords } from '../../../src/core/produce/fileImport';
import { describeGeneratedSummary, produceGenerated } from '../../../src/core/produce/generateProduce';
import { createGenerator } from '../../../src/core/produce/generateRecords';
import { describeImport } from '../../../src/core/produce/importSummaryText';
import { ProduceService } from '../../../src/core/produce/produceService';
import { RecordProducer } from '../../../src/core/produce/recordProducer';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { createMessageViewer } from '../../../src/core/viewer/messageViewer';
import type { ViewerState } from '../../../src/core/viewer/types';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { AclBroker } from '../../support/aclBroker';
import { services, waitFor } from '../../support/services';

const WRITE_DENIED = /TOPIC_AUTHORIZATION_FAILED/;

describe('authorisation errors on a broker with ACLs: produce, file import, re-drive, viewer', function () {
  this.timeout(60_000);
  const broker = new AclBroker();
  const topics = {
    hidden: 'orders.hidden',
    visible: 'orders.visible',
    unreadable: 'audit.unreadable',
    describeOnly: 'audit.describe-only',
    open: 'orders.open',
    dlq: 'orders.dlq',
  };
  const registry = new SchemaRegistryClient({ id: 'it-authz', url: services.registry.url });
  const encoder = new PayloadEncoder({ registry, schemas: new SchemaCache(registry) });
  const closers: Array<() => Promise<unknown>> = [];

  before(async function () {
    this.timeout(180_000);
    try {
      await broker.start();
      await broker.createTopics([
        { topic: topics.hidden, partitions: 2 },
        { topic: topics.visible, partitions: 1 },
        { topic: topics.unreadable, partitions: 1 },
        { topic: topics.describeOnly, partitions: 1 },
        { topic: topics.open, partitions: 1 },
        { topic: topics.dlq, partitions: 1 },
      ]);
      await Promise.all([
        broker.acl('deny', ['Write'], [topics.hidden, topics.visible]),
        broker.acl('allow', ['Describe'], [topics.visible, topics.describeOnly]),
        broker.acl('deny', ['Read'], [topics.unreadable, topics.describeOnly]),
      ]);
      // Readable data for the viewer cases, written by the admin.
      const admin = new RecordProducer({ connection: broker.connection('admin') });
      try {
        for (const topic of [topics.unreadable, topics.describeOnly])
          await admin.send({ topic, key: Buffer.from('k'), value: Buffer.from('{"secret":true}') });
      } finally {
        await admin.close();
      }
    } catch (error) {
      throw new Error(`${(error as Error).message}\nbroker log:\n${broker.tail()}`);
    }
  });

  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });

  after(async () => {
    registry.close();
    await broker.destroy();
  });

  function userProducer(): RecordProducer {
    const producer = new RecordProducer({ connection: broker.connection(), requestTimeoutMs: 10_000 });
    closers.push(() => producer.close());
    return producer;
  }

  /** Records on the topic, as the admin sees them (high minus low watermark, summed). */
  async function recordCount(topic: string): Promise<number> {
    const offsets = await broker.withAdmin((admin) => admin.fetchTopicOffsets(topic));
    return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  }

  /** The admin's view of a topic's records, read by assignment. */
  async function readAll(topic: string): Promise<KafkaRecord[]> {
    const read = await readDeadLetters({ connection: broker.connection('admin'), topic, timeoutMs: 30_000 });
    return [...read.records];
  }

  /** Dead letters in the allowed DLQ topic, naming `original` as their source (the engine's own writer). */
  async function deadLetters(originals: readonly string[]): Promise<KafkaRecord[]> {
    const before = await recordCount(topics.dlq);
    const writer = new DeadLetterWriter({ connection: broker.connection('admin') });
    try {
      for (const [i, original] of originals.entries())
        await writer.write(
          topics.dlq,
          {
            topic: original,
            partition: 0,
            offset: 100 + i,
            timestamp: 1_700_000_000_000 + i,
            key: Buffer.from(`order-${i}`),
            value: Buffer.from(JSON.stringify({ orderId: i })),
            headers: [],
          },
          new Error(`poison ${i}`),
          0,
        );
    } finally {
      await writer.close();
    }
    const all = await readAll(topics.dlq);
    assert.equal(all.length, before + originals.length);
    return all.slice(before);
  }

  it('Produce Message: the form says TOPIC_AUTHORIZATION_FAILED in plain words and to ask for WRITE, and nothing is written', async () => {
    for (const topic of [topics.hidden, topics.visible]) {
      const service = new ProduceService({ encoder, producer: userProducer() });
      const outcome = await service.produce({
        topic,
        key: { form: 'text', text: 'order-1' },
        value: { form: 'json', text: '{"orderId":1}' },
        headers: [],
      });
      assert.equal(outcome.ok, false, `the write to ${topic} must be refused`);
      const problems = outcome.ok ? [] : outcome.problems;
      assert.equal(problems.length, 1, JSON.stringify(problems));
      const [problem] = problems;
      assert.equal(problem!.field, 'topic');
      assert.equal(problem!.reason, 'notAuthorized', `${topic}: ${problem!.message}`);
      assert.match(problem!.message, WRITE_DENIED);
      assert.match(problem!.message, new RegExp(`not authorised to write to topic "${topic.replace('.', '\\.')}"`));
      assert.match(
        problem!.message,
        new RegExp(`Ask the cluster administrator for WRITE on topic "${topic.replace('.', '\\.')}"`),
      );
      assert.match(problem!.message, /user "lab-user"/);
      assert.doesNotMatch(problem!.message, /does not exist|Create it/);
      assert.doesNotMatch(problem!.message, new RegExp(broker.user.password), 'no secret in the message');
    }
    // The same user may write where no ACL forbids it: the error is about the topic, not the connection.
    const sent = await new ProduceService({ encoder, producer: userProducer() }).produce({
      topic: topics.open,
      key: { form: 'text', text: 'order-1' },
      value: { form: 'json', text: '{"orderId":1}' },
      headers: [],
    });
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(await recordCount(topics.hidden), 0);
    assert.equal(await recordCount(topics.visible), 0);
  });

  it('Produce from File: 0 sent, every record listed as not sent with the reason, in the summary and its text', async () => {
    const lines = Array.from({ length: 5 }, (_, i) => JSON.stringify({ key: `k-${i}`, value: { orderId: i } }));
    for (const topic of [topics.hidden, topics.visible]) {
      const summary = await importRecords(
        (async function* () {
          yield `${lines.join('\n')}\n`;
        })(),
        { topic, format: 'ndjson', onBadRecord: 'skip' },
        { producer: userProducer(), encoder },
      );
      assert.equal(summary.read, 5, topic);
      assert.equal(summary.sent, 0, topic);
      assert.deepEqual(summary.sentRanges, []);
      assert.equal(summary.failed, 5);
      assert.equal(summary.outcome, 'completeWithErrors');
      assert.deepEqual(
        summary.failures.map((f) => [f.index, f.line, f.column, f.stage, f.reason]),
        [0, 1, 2, 3, 4].map((i) => [i, i + 1, 1, 'deliver', 'notAuthorized']),
        topic,
      );
      for (const f of summary.failures) assert.match(f.message, WRITE_DENIED);
      assert.deepEqual(summary.partitions, []);
      const text = describeImport(summary, topic);
      assert.match(
        text,
        new RegExp(
          `^0 of 5 records sent to ${topic.replace('.', '\\.')}\\. 5 not sent\\. Record 1 \\(line 1, column 1\\): `,
        ),
      );
      assert.match(text, WRITE_DENIED);
      assert.match(text, /All for this reason\./);
      assert.equal(await recordCount(topic), 0);
    }
  });

  it('Produce from File, stop at the first bad record: the first is listed as refused, the rest as not attempted', async () => {
    const lines = Array.from({ length: 4 }, (_, i) => JSON.stringify({ value: `v-${i}` }));
    const summary = await importRecords(
      (async function* () {
        yield lines.join('\n');
      })(),
      { topic: topics.hidden, format: 'ndjson', onBadRecord: 'stop' },
      { producer: userProducer(), encoder },
    );
    assert.equal(summary.outcome, 'stopped');
    assert.equal(summary.sent, 0);
    assert.equal(summary.failed, 1);
    assert.equal(summary.failures[0]!.reason, 'notAuthorized');
    // Records 2 to 4 (0-based 1–3) were never handed to the producer; reading stopped at the one after the failure.
    assert.deepEqual(summary.notAttemptedRanges, [[1, 1]]);
    assert.equal(summary.read, 2);
  });

  it('Produce N: stops at the first refused record, 0 sent, and the summary names TOPIC_AUTHORIZATION_FAILED', async () => {
    const schema = JSON.stringify({
      type: 'record',
      name: 'Order',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID'] } },
      ],
    });
    for (const topic of [topics.hidden, topics.visible]) {
      const producer = userProducer();
      const summary = await produceGenerated(
        { service: new ProduceService({ encoder, producer }), producer },
        {
          request: { topic, key: { form: 'null', text: '' }, value: { form: 'json', text: '' }, headers: [] },
          generator: createGenerator({ format: 'avro', schema }, { seed: 7 }),
          count: 50,
        },
      );
      assert.equal(summary.outcome, 'stopped', topic);
      assert.equal(summary.sent, 0, topic);
      assert.ok(summary.failed >= 1 && summary.failed <= 50, `${topic}: ${summary.failed} failed`);
      assert.equal(summary.firstFailure?.index, 0, topic);
      assert.equal(summary.firstFailure?.problems[0]?.reason, 'notAuthorized');
      assert.match(summary.firstFailure?.problems[0]?.message ?? '', WRITE_DENIED);
      assert.match(
        describeGeneratedSummary(summary),
        /^Stopped: 0 of 50 generated records were sent \(seed 7\); record 1 failed: The broker refused the write \(TOPIC_AUTHORIZATION_FAILED\)/,
      );
      assert.equal(await recordCount(topic), 0);
    }
  });

  it('re-drive into a topic the user may not see: refused before anything is sent, 0 sent, twice', async () => {
    const records = await deadLetters([topics.hidden, topics.hidden, topics.hidden]);
    for (let run = 1; run <= 2; run++) {
      const producer = new RdkafkaRedriveProducer({ connection: broker.connection(), logger: silentLogger });
      closers.push(() => producer.close());
      const plan = planRedrive(records, { kind: 'original' });
      assert.deepEqual(plan.byTopic, [{ topic: topics.hidden, count: 3 }]);
      await assert.rejects(runRedrive(plan, producer), (error: unknown) => {
        assert.ok(error instanceof RedriveError, String(error));
        assert.equal(error.reason, 'notAuthorized');
        assert.match(error.message, /^Nothing was re-driven \(0 sent\)\. /);
        assert.match(error.message, WRITE_DENIED);
        assert.match(error.message, /Ask the cluster administrator for WRITE on topic "orders\.hidden" \(a WRITE ACL/);
        return true;
      });
    }
    assert.equal(await recordCount(topics.hidden), 0);
  });

  it('re-drive into a visible topic the user may not write: the run stops at the first refused write and reports 0 sent; a second run sends nothing twice', async () => {
    // Two that may go, then one that may not, then one more that may: one write at a time, so the
    // run stops exactly at the first refusal.
    const records = await deadLetters([topics.open, topics.open, topics.visible, topics.open]);
    const openBefore = await recordCount(topics.open);
    const producer = new RdkafkaRedriveProducer({ connection: broker.connection(), logger: silentLogger });
    closers.push(() => producer.close());
    const summary = await runRedrive(planRedrive(records, { kind: 'original' }), producer, { maxInFlight: 1 });
    assert.equal(summary.outcome, 'failed');
    assert.equal(summary.total, 4);
    assert.deepEqual(
      summary.sent.map((s) => [s.dlq.offset, s.topic]),
      [records[0]!, records[1]!].map((r) => [r.offset, topics.open]),
    );
    assert.equal(summary.failed.length, 1);
    assert.equal(summary.failed[0]!.dlq.offset, records[2]!.offset);
    assert.equal(summary.failed[0]!.topic, topics.visible);
    assert.match(summary.failed[0]!.error, WRITE_DENIED);
    assert.match(summary.failed[0]!.error, /WRITE on topic "orders\.visible"/);
    assert.deepEqual(
      summary.notSent.map((n) => n.offset),
      [records[3]!.offset],
    );
    const text = describeSummary(summary);
    assert.match(
      text,
      /^Re-drove 2 of 4 record\(s\)\. 1 write\(s\) failed, first orders\.dlq\[0\]@\d+ → orders\.visible: The broker refused the write \(TOPIC_AUTHORIZATION_FAILED\)/,
    );
    assert.match(text, /1 were not sent\. Those that went are not sent again/);
    assert.equal(await recordCount(topics.open), openBefore + 2);

    // Only the denied topic, all at once: every write is refused, 0 sent; run it twice.
    const denied = await deadLetters([topics.visible, topics.visible, topics.visible]);
    for (let run = 1; run <= 2; run++) {
      const again = await runRedrive(planRedrive(denied, { kind: 'original' }), producer);
      assert.equal(again.outcome, 'failed', `run ${run}`);
      assert.equal(again.sent.length, 0, `run ${run}`);
      assert.equal(again.failed.length + again.notSent.length, 3, `run ${run}`);
      for (const f of again.failed) assert.match(f.error, WRITE_DENIED);
      assert.match(describeSummary(again), /^Re-drove 0 of 3 record\(s\)\./);
    }
    assert.equal(await recordCount(topics.visible), 0);

    // The rest of the first run, once the cause is fixed: the two not sent go, once each, and the
    // two that went are not sent again.
    await broker.removeAcls(topics.visible);
    const rest = records.filter((r) => r.offset === records[2]!.offset || r.offset === records[3]!.offset);
    const fixed = await waitFor('the re-drive of the rest after the ACL was removed', 30_000, async () => {
      const p = new RdkafkaRedriveProducer({ connection: broker.connection(), logger: silentLogger });
      try {
        const s = await runRedrive(planRedrive(rest, { kind: 'original' }), p, { maxInFlight: 1 });
        // The ACL change reaches the broker's authorizer a moment after the command returns.
        return s.outcome === 'completed' ? s : s.sent.length === 0 ? undefined : s;
      } finally {
        await p.close();
      }
    });
    assert.equal(fixed.outcome, 'completed', describeSummary(fixed));
    assert.equal(fixed.sent.length, 2);
    assert.equal(await recordCount(topics.open), openBefore + 3);
    assert.equal(await recordCount(topics.visible), 1);
    const fromDlq = (await readAll(topics.open))
      .map((r) => redrivenFrom(r.headers)?.offset)
      .filter((o): o is number => o !== undefined && records.some((r) => r.offset === o));
    assert.deepEqual(
      fromDlq.sort((a, b) => a - b),
      [records[0]!.offset, records[1]!.offset, records[3]!.offset],
      'each re-driven record in the open topic exactly once',
    );
  });

  it('the explorer: topics the user may not DESCRIBE are not listed, and opening one by name says it is not authorised', async () => {
    const admin = new KafkaAdmin(broker.connection(), { timeoutMs: 10_000 });
    closers.push(async () => admin.close());
    const listed = (await admin.listTopics()).map((t) => t.name);
    assert.ok(listed.includes(topics.open) && listed.includes(topics.visible), listed.join(', '));
    assert.ok(!listed.includes(topics.hidden) && !listed.includes(topics.unreadable), listed.join(', '));
    await assert.rejects(admin.describePartitions(topics.unreadable), (error: unknown) => {
      assert.ok(error instanceof KafkaClientError, String(error));
      assert.equal(error.reason, 'notAuthorized');
      assert.match(error.message, /describe topic "audit\.unreadable"/);
      assert.match(error.message, /User "lab-user" is not authorized/);
      assert.match(error.message, /ask the cluster administrator for the ACL/);
      return true;
    });
  });

  function userViewer(topic: string): MessageViewer {
    const viewer = createMessageViewer({
      connection: broker.connection(),
      decoder: new PayloadDecoder(),
      logger: silentLogger,
      options: { topic, start: { kind: 'beginning' } },
      timings: {
        retryBaseMs: 300,
        retryCapMs: 2_000,
        probeIntervalMs: 1_000,
        connectTimeoutMs: 10_000,
        callTimeoutMs: 5_000,
      },
    });
    closers.push(() => viewer.stop());
    return viewer;
  }

  async function errorState(viewer: MessageViewer, what: string): Promise<Extract<ViewerState, { kind: 'error' }>> {
    const state = await waitFor(`the viewer on ${what} to say why it cannot read`, 30_000, () =>
      viewer.state.kind === 'error' ? viewer.state : undefined,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the state is ${JSON.stringify(viewer.state)}`);
    });
    return state;
  }

  it('the viewer on a topic the user may not DESCRIBE or READ says it is not authorised, instead of "does not exist" or waiting', async () => {
    const viewer = userViewer(topics.unreadable);
    await viewer.start();
    const state = await errorState(viewer, topics.unreadable);
    assert.equal(state.reason, 'notAuthorized', state.message);
    assert.match(state.message, /not authorized to read topic "audit\.unreadable"/);
    assert.match(state.message, /TOPIC_AUTHORIZATION_FAILED/);
    assert.match(state.message, /Ask for a READ ACL/);
    assert.equal(viewer.counts.read, 0);
  });

  it('the viewer on a topic the user may DESCRIBE but not READ says it is not authorised once the fetch is refused', async () => {
    const viewer = userViewer(topics.describeOnly);
    await viewer.start();
    const state = await errorState(viewer, topics.describeOnly);
    assert.equal(state.reason, 'notAuthorized', state.message);
    assert.match(state.message, /not authorized to read topic "audit\.describe-only"/);
    assert.match(state.message, /Ask for a READ ACL/);
    assert.equal(viewer.counts.read, 0);
  });
});
