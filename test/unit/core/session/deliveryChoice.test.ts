import { strict as assert } from 'node:assert';
import type { ConsumedMessage } from '../../../../src/core/engine/types';
import { copyToOutputs } from '../../../../src/core/session/copyHandler';
import {
  defaultTransactionalIdPrefix,
  deliveryAnswers,
  deliveryOptions,
  outputLoopProblem,
  parseTopicList,
  topicNameProblem,
  transactionalIdPrefixProblem,
} from '../../../../src/core/session/deliveryChoice';
import { resolveSessionSettings } from '../../../../src/core/engine/sessionConfig';

describe('the start flow’s delivery step', () => {
  it('offers at-least-once first (the default) and exactly-once, each with a one-line explanation', () => {
    const options = deliveryOptions();
    assert.deepEqual(
      options.map((o) => [o.delivery, o.label]),
      [
        ['at-least-once', 'At-least-once'],
        ['exactly-once', 'Exactly-once'],
      ],
    );
    assert.match(options[0]!.description, /acknowledged before the input offset commits.*repeats both/);
    assert.match(options[1]!.description, /one Kafka transaction every 500 messages \/ 100 ms.*read_committed/);
    for (const o of options) assert.ok(!o.description.includes('\n'), 'one line');
    assert.equal(options[1]!.detail, undefined);
  });

  it('says on the exactly-once choice why the cluster cannot run transactions', () => {
    const options = deliveryOptions('transaction.state.log.replication.factor is 3 but the cluster has 1 broker');
    assert.equal(options[0]!.detail, undefined);
    assert.match(options[1]!.detail ?? '', /^\$\(warning\) transaction\.state\.log\.replication\.factor is 3/);
  });

  it('the transactional id prefix defaults to what the engine derives from the group', () => {
    assert.equal(defaultTransactionalIdPrefix('orders-eu'), 'kafka-lab-orders-eu');
    const settings = resolveSessionSettings({
      connection: { bootstrapServers: '127.0.0.1:1' },
      groupId: 'orders-eu',
      topics: ['orders'],
      delivery: 'exactly-once',
    });
    assert.equal(settings.transactionalIdPrefix, defaultTransactionalIdPrefix('orders-eu'));
  });

  it('checks the prefix: not empty, at most 200 characters, no spaces or control characters', () => {
    assert.equal(transactionalIdPrefixProblem('kafka-lab-orders'), undefined);
    assert.equal(transactionalIdPrefixProblem('  padded  '), undefined, 'trimmed');
    assert.match(transactionalIdPrefixProblem('') ?? '', /needed/);
    assert.match(transactionalIdPrefixProblem('   ') ?? '', /needed/);
    assert.match(transactionalIdPrefixProblem('a'.repeat(201)) ?? '', /200/);
    assert.equal(transactionalIdPrefixProblem('a'.repeat(200)), undefined);
    assert.match(transactionalIdPrefixProblem('two words') ?? '', /spaces/);
    assert.match(transactionalIdPrefixProblem('bell\u0007') ?? '', /control/);
  });

  it('parses typed output topics: commas or spaces, duplicates dropped, each name checked', () => {
    assert.deepEqual(parseTopicList('orders.out, audit  orders.out,,'), { topics: ['orders.out', 'audit'] });
    assert.deepEqual(parseTopicList('  '), { error: 'Name at least one output topic.' });
    const bad = parseTopicList('good, bad/name');
    assert.ok(
      'error' in bad && /"bad\/name" has characters a topic name cannot have/.test(bad.error),
      JSON.stringify(bad),
    );
    const dots = parseTopicList('..');
    assert.ok('error' in dots && /not a topic name/.test(dots.error));
    const long = parseTopicList('x'.repeat(250));
    assert.ok('error' in long && /at most 249/.test(long.error));
    assert.equal(topicNameProblem('x'.repeat(249)), undefined);
  });

  it('refuses an output topic that is also an input (a copy would read itself again forever)', () => {
    assert.equal(outputLoopProblem(['out'], ['in']), undefined);
    assert.match(outputLoopProblem(['out', 'in'], ['in']) ?? '', /^"in" is also consumed by this session/);
    assert.match(outputLoopProblem(['a', 'b'], ['a', 'b']) ?? '', /^"a", "b" are also consumed/);
  });

  it('turns the answers into what the session and the launch configuration carry', () => {
    assert.deepEqual(deliveryAnswers('g', 'at-least-once', ['ignored'], 'p'), { delivery: 'at-least-once' });
    assert.deepEqual(deliveryAnswers('g', 'exactly-once', ['out', 'out', 'audit'], undefined), {
      delivery: 'exactly-once',
      outputTopics: ['out', 'audit'],
      transactionalIdPrefix: 'kafka-lab-g',
    });
    assert.deepEqual(deliveryAnswers('g', 'exactly-once', [], '  mine  '), {
      delivery: 'exactly-once',
      transactionalIdPrefix: 'mine',
    });
    assert.deepEqual(deliveryAnswers('g', 'exactly-once', [], ''), {
      delivery: 'exactly-once',
      transactionalIdPrefix: 'kafka-lab-g',
    });
  });
});

describe('the copying handler', () => {
  const message = (overrides: Partial<ConsumedMessage> = {}): ConsumedMessage => ({
    id: 'm/t/0/1',
    memberId: 'm',
    topic: 'in',
    partition: 0,
    offset: 1,
    key: Buffer.from([0xff, 0x00, 0x7b]),
    value: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07, 0xc3]),
    headers: [{ trace: Buffer.from('t-1') }, { trace: 'again' }, { 'kafka-lab.x': Buffer.alloc(0) }],
    size: 9,
    attempts: 0,
    ...overrides,
  });

  it('copies key, value and every header byte for byte to each output topic', () => {
    const m = message();
    const outputs = copyToOutputs(m, ['out-a', 'out-b']);
    assert.deepEqual(
      outputs.map((o) => o.topic),
      ['out-a', 'out-b'],
    );
    for (const o of outputs) {
      assert.ok(Buffer.isBuffer(o.key) && o.key.equals(m.key!));
      assert.ok(Buffer.isBuffer(o.value) && (o.value as Buffer).equals(m.value!));
      assert.equal(o.partition, undefined, 'the producer partitions by key');
      assert.deepEqual(o.headers, [
        { key: 'trace', value: Buffer.from('t-1') },
        { key: 'trace', value: 'again' },
        { key: 'kafka-lab.x', value: Buffer.alloc(0) },
      ]);
    }
  });

  it('keeps a tombstone a tombstone, a null key null, and adds no headers when there were none', () => {
    const [o] = copyToOutputs(message({ key: null, value: null, headers: undefined }), ['out']);
    assert.equal(o!.key, null);
    assert.equal(o!.value, null);
    assert.equal('headers' in o!, false);
  });
});
