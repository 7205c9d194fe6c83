import { strict as assert } from 'node:assert';
import { HoldMessage } from '../../../../src/core/engine/hold';
import type { ConsumedMessage, HandlerContext, MessageHandler } from '../../../../src/core/engine/types';
import {
  builtInHandlers,
  createHandler,
  HandlerCreationAborted,
  type HandlerFactory,
} from '../../../../src/core/session/handlerFactory';
import type { MessageView } from '../../../../src/core/session/messageView';
import type { SessionSpec } from '../../../../src/core/session/sessionController';
import { type RunUntilProgress, withRunUntil } from '../../../../src/core/session/runUntilHandler';
import { silentLogger, type Logger } from '../../../../src/core/logging';

const message = (offset: number, status = 'OK'): ConsumedMessage => ({
  id: `member-1/orders/0/${offset}`,
  memberId: 'member-1',
  topic: 'orders',
  partition: 0,
  offset,
  key: null,
  value: Buffer.from(JSON.stringify({ status })),
  size: 10,
  attempts: 1,
});

const view = (m: ConsumedMessage): MessageView => ({
  id: m.id,
  memberId: m.memberId,
  topic: m.topic,
  partition: m.partition,
  offset: m.offset,
  timestamp: 1_700_000_000_000,
  timestampType: 'CreateTime',
  key: { kind: 'null' },
  value: { kind: 'json', format: 'json', json: JSON.parse(m.value?.toString() ?? 'null') as unknown },
  headers: [],
  size: m.size,
  attempts: m.attempts,
});

const context: HandlerContext = { attempt: 1, signal: new AbortController().signal };

function source(run: RunUntilProgress | undefined) {
  const state = { run, decoded: 0 };
  return {
    state,
    current: () => state.run,
    decode: async (m: ConsumedMessage) => {
      state.decoded++;
      return view(m);
    },
  };
}

describe('run-until wraps any handler', () => {
  it('without a run-until the handler is called as it is: a sync handler stays sync, nothing is decoded', () => {
    const seen: number[] = [];
    const s = source(undefined);
    const wrapped = withRunUntil((m) => void seen.push(m.offset), s);
    const result = wrapped(message(1), context);
    assert.equal(result, undefined, 'no promise for a sync handler');
    assert.deepEqual(seen, [1]);
    assert.equal(s.state.decoded, 0);
  });

  it('holds a matching message before the handler runs, and counts what it passed', async () => {
    const seen: number[] = [];
    const s = source({ condition: { kind: 'jsonPath', path: '$.status', op: 'equals', value: 'FAILED' }, scanned: 0 });
    const wrapped = withRunUntil(async (m) => void seen.push(m.offset), s);
    await wrapped(message(1), context);
    await assert.rejects(
      Promise.resolve(wrapped(message(2, 'FAILED'), context)),
      (e: unknown) => e instanceof HoldMessage && !e.afterHandler && /\$\.status equals "FAILED"/.test(e.message),
    );
    assert.deepEqual(seen, [1], 'the matching message never reached the handler');
    assert.equal(s.state.run?.scanned, 2);
  });

  it('a handler-error condition holds after the handler failed, keeping the error as the cause', async () => {
    const failure = new TypeError('x is undefined');
    const s = source({ condition: { kind: 'handlerError' }, scanned: 0 });
    const handler: MessageHandler = (m) => {
      if (m.offset === 3) throw failure;
    };
    const wrapped = withRunUntil(handler, s);
    await wrapped(message(2), context);
    await assert.rejects(
      Promise.resolve(wrapped(message(3), context)),
      (e: unknown) => e instanceof HoldMessage && e.afterHandler && e.cause === failure,
    );
  });

  it('a handler’s own HoldMessage passes through untouched', async () => {
    const own = new HoldMessage('the handler asked to stop');
    const wrapped = withRunUntil(
      () => Promise.reject(own),
      source({ condition: { kind: 'handlerError' }, scanned: 0 }),
    );
    await assert.rejects(Promise.resolve(wrapped(message(1), context)), (e: unknown) => e === own);
  });

  it('a run-until cancelled while the message was decoded runs the handler as if none was set', async () => {
    const seen: number[] = [];
    const s = source({ condition: { kind: 'offsetReached', offset: 0 }, scanned: 0 });
    const wrapped = withRunUntil((m) => void seen.push(m.offset), {
      current: s.current,
      decode: async (m) => {
        s.state.run = undefined;
        return view(m);
      },
    });
    await wrapped(message(5), context);
    assert.deepEqual(seen, [5]);
  });

  it('passes the handler’s failure on when the condition does not match it', async () => {
    const failure = new Error('boom');
    const wrapped = withRunUntil(
      () => {
        throw failure;
      },
      source({ condition: { kind: 'keyEquals', value: 'nope' }, scanned: 0 }),
    );
    await assert.rejects(Promise.resolve(wrapped(message(1), context)), (e: unknown) => e === failure);
  });
});

describe('session handler factories', () => {
  const spec: SessionSpec = {
    clusterId: 'c',
    clusterName: 'c',
    groupId: 'g',
    topics: ['t'],
    autoOffsetReset: 'earliest',
    mode: 'running',
    handler: 'log',
    commitPolicy: { kind: 'perMessage' },
    members: 1,
  };

  it('the built-in log handler writes one line per message; noop writes none', async () => {
    const lines: string[] = [];
    const logger: Logger = { ...silentLogger, info: (text: string) => void lines.push(text), child: () => logger };
    const log = await builtInHandlers({ sessionId: 's-1', spec, logger, signal: new AbortController().signal });
    await log.handle(message(4), context);
    const noop = await builtInHandlers({
      sessionId: 's-1',
      spec: { ...spec, handler: 'noop' },
      logger,
      signal: new AbortController().signal,
    });
    await noop.handle(message(5), context);
    assert.deepEqual(lines, ['handled orders[0]@4 (10 bytes)']);
    await log.close();
  });

  it('a handler made for a session that stopped meanwhile is closed at once', async () => {
    const stop = new AbortController();
    let closed = 0;
    const slow: HandlerFactory = async () => {
      stop.abort();
      return { handle: () => undefined, close: async () => void closed++ };
    };
    await assert.rejects(
      createHandler(slow, { sessionId: 's-1', spec, logger: silentLogger, signal: stop.signal }),
      HandlerCreationAborted,
    );
    assert.equal(closed, 1);
  });
});
