import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import type { DeadLetterEnvelope } from '../../../src/core/dlq/envelope';
import { messageDecoder, processHandler } from '../../../src/core/handler/processHandler';
import { SessionController } from '../../../src/core/session/sessionController';
import { committedOffsets, createTopic, deleteTopicsQuietly, kafkaClient, readAll } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { fixtures, startHandler, type RunningHandler } from './support/handlerProcess';

const connection = { bootstrapServers: services.kafka.plaintext };
const codec = new PayloadDecoder();
const decode = messageDecoder(codec);

describe('stepping through a real group with the developer’s handler (what Next in the panel does)', function () {
  this.timeout(90_000);
  const topics: string[] = [];
  let handler: RunningHandler | undefined;
  let controller: SessionController | undefined;
  afterEach(async () => {
    await controller?.stop();
    await handler?.close();
  });
  after(() => deleteTopicsQuietly(...topics));

  it('Next runs the handler: ok commits; a throw leaves the message waiting with the error shown; dead-letter records the handler’s class; a decision is applied; a replay commits nothing', async () => {
    const topic = uniqueName('it-handler-step');
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        { orderId: 'a' },
        { orderId: 'b', action: 'fail' },
        { orderId: 'c', action: 'deadLetter' },
        { orderId: 'd' },
        { orderId: 'e', action: 'skip' },
      ].map((v, i) => ({ key: `k${i}`, value: JSON.stringify(v) })),
    });
    await producer.disconnect();
    handler = await startHandler(path.join(fixtures, 'handleOrder.ts'));
    const groupId = uniqueName('it-handler-step-group');
    controller = new SessionController(
      's-1',
      {
        clusterId: 'local',
        clusterName: 'local',
        groupId,
        topics: [topic],
        autoOffsetReset: 'earliest',
        mode: 'stepping',
        handler: 'noop',
        commitPolicy: { kind: 'perMessage' },
        members: 1,
      },
      {
        connection,
        decoder: codec,
        handler: processHandler({ channel: handler.channel, decode, timeoutMs: () => undefined }),
      },
    );
    const c = controller;
    await c.start();
    const shown = (offset: number) =>
      waitFor(`offset ${offset} waiting`, 20_000, () => (c.current?.offset === offset ? true : undefined));

    await shown(0);
    await c.decide('next');
    await waitFor('offset 0 committed', 10_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 1 ? true : undefined,
    );
    assert.equal(JSON.parse(handler.logs[0]).orderId, 'a');

    await shown(1);
    await c.decide('next');
    assert.equal(c.current?.offset, 1, 'a failed message stays waiting for a decision');
    const notice = c.panelState().notice;
    assert.equal(notice?.level, 'error');
    assert.match(notice?.text ?? '', /OrderRejected: order b has no customer\n\s*at .*handleOrder\.ts:\d+/);
    assert.equal(c.panelState().history.at(-1)?.decision, 'failed');
    await c.decide('deadLetter', { reason: 'no customer' });

    // The handler's own decision: dead-letter without throwing.
    await shown(2);
    await c.decide('next');
    await shown(3);
    await c.decide('next');
    await waitFor('everything committed', 20_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 4 ? true : undefined,
    );
    // The handler's skip is applied: not marked done, so the commits stop before it.
    await shown(4);
    await c.decide('next');
    await waitFor('the skip in the history', 10_000, () =>
      c.panelState().history.some((h) => h.offset === 4 && h.decision === 'skip') ? true : undefined,
    );
    assert.equal(c.session.awaiting, undefined, 'offset 4 no longer waits (nothing else is left)');
    assert.equal((await committedOffsets(groupId, topic)).get(0), 4);
    const envelopes = (await readAll(`${topic}.dead-letter`, 2)).map(
      (r) => JSON.parse(r.value?.toString() ?? '') as DeadLetterEnvelope,
    );
    assert.deepEqual(
      envelopes.map((e) => [e.original_offset, e.error_type, e.error_message]),
      [
        [1, 'OrderRejected', 'order b has no customer'],
        [2, 'HandlerDeadLetter', 'order c is a duplicate'],
      ],
    );

    // Replay an earlier message into the handler: it runs again, nothing is committed or moved.
    const before = handler.logs.length;
    const failed = await c.replay(topic, 0, 1);
    assert.equal(failed.result.kind, 'failed');
    assert.match(failed.result.kind === 'failed' ? failed.result.error : '', /^OrderRejected: order b has no customer/);
    assert.match(
      c.panelState().notice?.text ?? '',
      /Replayed .* offset 1: the handler failed \(nothing was committed\)/,
    );
    assert.equal((await c.replay(topic, 0, 0)).result.kind, 'returned');
    assert.deepEqual(
      handler.logs.slice(before).map((l) => JSON.parse(l).orderId),
      ['b', 'a'],
    );
    assert.equal((await committedOffsets(groupId, topic)).get(0), 4, 'a replay commits nothing');
    await assert.rejects(c.replay(topic, 0, 99), /offsets 0 to 4; 99 is not among them/);
  });
});
