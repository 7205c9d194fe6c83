import { strict as assert } from 'node:assert';
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { DISPLAY_LIMITS } from '../../../src/core/codec/displayModel';
import type { DeadLetterEnvelope } from '../../../src/core/dlq/envelope';
import { SessionController } from '../../../src/core/session/sessionController';
import type { PayloadView } from '../../../src/core/session/messageView';
import { committedOffsets, deleteTopicsQuietly, kafkaClient, readAll, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';

const MAX_BYTES = 32 * 1024 * 1024;

/** The three payloads of the issue: each once a poison message the tool itself could not get past. */
export function hostilePayloads(): { label: string; value: string }[] {
  const depth = 100_000;
  return [
    { label: 'deep', value: `${'['.repeat(depth)}${']'.repeat(depth)}` },
    { label: 'huge', value: `{"blob":"${'x'.repeat(10 * 1024 * 1024)}"}` },
    { label: 'wide', value: `{${Array.from({ length: 1_000_000 }, (_, i) => `"${i.toString(36)}":0`).join(',')}}` },
  ];
}

async function produce(topic: string, values: { label: string; value: string }[]): Promise<void> {
  const producer = kafkaClient().producer({
    'message.max.bytes': MAX_BYTES,
    acks: -1,
    'compression.type': 'lz4',
  } as KafkaJS.ProducerConstructorConfig);
  await producer.connect();
  try {
    for (const { label, value } of values) await producer.send({ topic, messages: [{ key: label, value }] });
  } finally {
    await producer.disconnect();
  }
}

function depthOf(json: unknown): number {
  let depth = 0;
  for (let node = json; Array.isArray(node) && node.length; node = node[0] as unknown) depth++;
  return depth;
}

/**
 * The engine and the session controller on the real broker step past the payloads that used to
 * stall a session (a 100,000-deep array, a 10 MB single-line value, a million keys): each is shown
 * bounded, with the reason, and each can be decided.
 */
describe('hostile payloads on the real broker: shown bounded, and decided', function () {
  this.timeout(120_000);
  const topic = uniqueName('it-hostile');
  const dlq = `${topic}.dead-letter`;
  let controller: SessionController | undefined;

  before(async () => {
    await withAdmin((admin) =>
      admin.createTopics({
        topics: [topic, dlq].map((name) => ({
          topic: name,
          numPartitions: 1,
          replicationFactor: 1,
          configEntries: [{ name: 'max.message.bytes', value: String(MAX_BYTES) }],
        })),
        timeout: 15_000,
      }),
    );
    await produce(topic, [...hostilePayloads(), { label: 'plain', value: '{"ok":true}' }]);
  });

  after(async () => {
    await controller?.stop().catch(() => undefined);
    await deleteTopicsQuietly(topic, dlq);
  });

  it('a stepping session shows each one within the limits and commits, retries and dead-letters them', async () => {
    const groupId = uniqueName('it-hostile-group');
    const c = new SessionController(
      's-hostile',
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
      { connection: { bootstrapServers: services.kafka.plaintext }, decoder: new PayloadDecoder() },
    );
    controller = c;
    await c.start();
    const shown = async (offset: number): Promise<PayloadView> => {
      const view = await waitFor(`offset ${offset} shown for a decision`, 30_000, () =>
        c.current?.offset === offset ? c.current : undefined,
      );
      return view.value;
    };

    const deep = await shown(0);
    assert.ok(deep.kind === 'json' && deep.cut === 'depth', JSON.stringify(deep).slice(0, 200));
    assert.equal(depthOf(deep.json), DISPLAY_LIMITS.maxDepth);
    assert.equal(deep.rawText?.text.length, 200_000);
    await c.decide('retry');
    assert.equal((await shown(0)).kind, 'json');
    await c.decide('deadLetter', { reason: 'too deep to handle' });

    const huge = await shown(1);
    assert.ok(huge.kind === 'json' && huge.cut === 'string');
    assert.equal((huge.json as { blob: string }).blob.length, DISPLAY_LIMITS.maxStringChars);
    await c.decide('commit');

    const wide = await shown(2);
    assert.ok(wide.kind === 'json' && wide.cut === 'nodes');
    assert.equal(Object.keys(wide.json as object).length, DISPLAY_LIMITS.maxNodes - 1);
    assert.match(JSON.stringify(wide.notes), /of 1,000,000 entries/);
    // What crosses to the webview stays small enough to post.
    assert.ok(JSON.stringify(c.current).length < 4 * 1024 * 1024);
    await c.decide('commit');

    const plain = await shown(3);
    assert.deepEqual(plain.kind === 'json' && plain.json, { ok: true });
    await c.decide('skip');
    await waitFor('commits through offset 2', 20_000, async () =>
      (await committedOffsets(groupId, topic)).get(0) === 3 ? true : undefined,
    );
    assert.deepEqual(
      c.history.map((h) => [h.offset, h.decision]),
      [
        [0, 'retry'],
        [0, 'deadLetter'],
        [1, 'commit'],
        [2, 'commit'],
        [3, 'skip'],
      ],
    );
    await c.stop();
    const [dead] = await readAll(dlq, 1);
    const envelope = JSON.parse(dead!.value!.toString()) as DeadLetterEnvelope;
    assert.equal(envelope.original_offset, 0);
    assert.equal(envelope.payload, hostilePayloads()[0].value);
  });
});
