// Output records from handler processes (Node and Python) through the handler protocol, produced
// by exactly-once and at-least-once sessions against the real broker.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { ConsumerSession } from '../../../src/core/engine/session';
import type { DeliveryGuarantee } from '../../../src/core/engine/types';
import { messageDecoder, processHandler } from '../../../src/core/handler/processHandler';
import { committedOffsets, createTopic, deleteTopicsQuietly, kafkaClient, withAdmin } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { readTopic } from '../../support/topicReader';
import { startHandler, type RunningHandler } from './support/handlerProcess';
import { startPythonHandler } from './support/pythonProcess';

const connection = { bootstrapServers: services.kafka.plaintext };
const decode = messageDecoder(new PayloadDecoder());

const nodeHandler = `
export async function handle(message, context) {
  const order = message.value;
  if (order.bad) return [{ value: 'no topic' }];
  context.send({ topic: order.out, key: message.key, value: { id: order.id, total: order.total }, headers: { source: String(message.offset) } });
  return [{ topic: order.out, key: Buffer.from([0, 255]), value: Buffer.from([1, 2, 3]) }];
}
`;

const pythonHandler = `
def handle(message, context):
    order = message.value
    if order.get("bad"):
        return [{"value": "no topic"}]
    context.send({"topic": order["out"], "key": message.key, "value": {"id": order["id"], "total": order["total"]}, "headers": {"source": str(message.offset)}})
    return [{"topic": order["out"], "key": bytes([0, 255]), "value": bytes([1, 2, 3])}]
`;

describe('handler processes produce output records through the protocol', function () {
  this.timeout(120_000);
  const topics: string[] = [];
  const groups: string[] = [];
  const running: RunningHandler[] = [];
  const sessions: ConsumerSession[] = [];
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-outputs-'));
    fs.writeFileSync(path.join(dir, 'transform.ts'), nodeHandler);
    fs.writeFileSync(path.join(dir, 'transform.py'), pythonHandler);
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.stop()));
    await Promise.all(running.splice(0).map((r) => r.close()));
  });
  after(async () => {
    await deleteTopicsQuietly(...topics);
    await withAdmin((admin) => admin.deleteGroups(groups)).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cases: Array<{ runtime: 'node' | 'python'; delivery: DeliveryGuarantee }> = [
    { runtime: 'node', delivery: 'exactly-once' },
    { runtime: 'python', delivery: 'exactly-once' },
    { runtime: 'node', delivery: 'at-least-once' },
  ];
  for (const { runtime, delivery } of cases) {
    it(`${runtime}, ${delivery}: context.send and returned records reach the output topic byte for byte; a malformed output dead-letters its input`, async () => {
      const input = uniqueName('it-hout-in');
      const output = uniqueName('it-hout-out');
      topics.push(input, output, `${input}.dead-letter`);
      await createTopic(input, 1);
      await createTopic(output, 1);
      await createTopic(`${input}.dead-letter`, 1);
      const groupId = uniqueName('it-hout-group');
      groups.push(groupId);
      // A total past 2^53 and a decimal: the JSON output keeps them exact.
      const values = [
        `{"id":1,"total":9007199254740993,"out":"${output}"}`,
        `{"id":2,"total":12.50,"out":"${output}"}`,
        `{"id":3,"bad":true,"out":"${output}"}`,
        `{"id":4,"total":0,"out":"${output}"}`,
      ];
      const producer = kafkaClient().producer();
      await producer.connect();
      await producer.send({ topic: input, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
      await producer.disconnect();
      const handler =
        runtime === 'node'
          ? await startHandler(path.join(dir, 'transform.ts'))
          : await startPythonHandler(path.join(dir, 'transform.py'));
      running.push(handler);
      const session = new ConsumerSession({
        connection,
        groupId,
        topics: [input],
        delivery,
        ...(delivery === 'exactly-once' ? { transactionalIdPrefix: uniqueName('it-hout-txn') } : {}),
        commitPolicy: { kind: 'batch', maxMessages: 10, maxIntervalMs: 100 },
        handler: processHandler({ channel: handler.channel, decode, timeoutMs: () => 20_000 }),
      });
      sessions.push(session);
      const deadLettered: number[] = [];
      session.on('deadLettered', (e) => deadLettered.push(e.message.offset));
      await session.start();
      await waitFor('all four inputs committed', 60_000, async () =>
        (await committedOffsets(groupId, input)).get(0) === 4 ? true : undefined,
      );
      await session.stop();
      assert.deepEqual(deadLettered, [2], 'the input whose output had no topic was dead-lettered');
      const records = await readTopic(output, 'read_committed');
      assert.equal(records.length, 6, 'two outputs for each of the three good inputs, once each');
      const json = records.filter((r) => r.headers.source !== undefined);
      assert.deepEqual(
        json.map((r) => [r.key, r.headers.source]),
        [
          ['k0', '0'],
          ['k1', '1'],
          ['k3', '3'],
        ],
      );
      const totals = json.map((r) => r.value?.toString());
      // Python gets the long past 2^53 as an exact int and writes it back exactly.
      if (runtime === 'python') {
        assert.match(totals[0] ?? '', /"total": 9007199254740993\b/);
        assert.match(totals[1] ?? '', /"total": 12.5\b/);
      } else {
        assert.match(totals[0] ?? '', /"total":"?9007199254740993"?/);
      }
      const binary = records.filter((r) => r.headers.source === undefined);
      assert.equal(binary.length, 3);
      for (const r of binary) assert.deepEqual([...(r.value ?? [])], [1, 2, 3]);
      const dead = await readTopic(`${input}.dead-letter`, 'read_committed');
      assert.equal(dead.length, 1);
      const envelope = JSON.parse(dead[0].value?.toString() ?? '{}') as {
        error_message: string;
        original_offset: number;
      };
      assert.equal(envelope.original_offset, 2);
      assert.match(envelope.error_message, /needs a topic/);
    });
  }
});
