import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_PYTHON_NON_RETRIABLE,
  HandlerLaunchError,
  parseHandlerLaunch,
} from '../../../../src/core/handler/handlerLaunchConfig';
import { toPayloadFrame } from '../../../../src/core/handler/messageFrames';
import { encodeFrame, type MessageFrame } from '../../../../src/core/handler/protocol';
import { choosePythonInterpreter } from '../../../../src/core/handler/pythonLauncher';
import { ReadableValue } from '../../../../src/core/codec/readableValue';

const base = {
  type: 'kafka-lab',
  request: 'launch',
  name: 'Debug orders (Python)',
  handler: '/w/handlers/handle_order.py',
  cluster: 'Local demo',
  topics: ['orders'],
  groupId: 'dev-orders',
};

describe('Python handlers: launch configurations, the interpreter, typed payloads', () => {
  it('a .py handler is a Python launch, with the guide’s non-retriable classes by default', () => {
    const launch = parseHandlerLaunch(base);
    assert.equal(launch.language, 'python');
    assert.equal(launch.python, undefined);
    assert.deepEqual(launch.nonRetriable, DEFAULT_PYTHON_NON_RETRIABLE);
    assert.deepEqual(DEFAULT_PYTHON_NON_RETRIABLE, ['JSONDecodeError', 'KeyError', 'ValueError']);
    const configured = parseHandlerLaunch({
      ...base,
      language: 'python',
      python: '/w/.venv/bin/python',
      nonRetriable: ['KeyError', 'json.JSONDecodeError'],
    });
    assert.equal(configured.python, '/w/.venv/bin/python');
    assert.deepEqual(configured.nonRetriable, ['KeyError', 'json.JSONDecodeError']);
    assert.equal(parseHandlerLaunch({ ...base, handler: '/w/src/h.ts' }).language, 'node');
  });

  it('says which field is wrong: a .ts file for language python, class names that are not names', () => {
    assert.throws(
      () => parseHandlerLaunch({ ...base, handler: '/w/h.ts', language: 'python' }),
      (e: unknown) => e instanceof HandlerLaunchError && e.field === 'handler' && /\.py file/.test(e.message),
    );
    assert.throws(
      () => parseHandlerLaunch({ ...base, nonRetriable: ['KeyError', 'not a class'] }),
      (e: unknown) => e instanceof HandlerLaunchError && e.field === 'nonRetriable',
    );
    assert.throws(
      () => parseHandlerLaunch({ ...base, nonRetriable: 'KeyError' }),
      (e: unknown) => e instanceof HandlerLaunchError && e.field === 'nonRetriable',
    );
  });

  it('the interpreter: the configuration’s, else the workspace’s .venv, else python3 on PATH', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-venv-'));
    try {
      assert.deepEqual(choosePythonInterpreter('/opt/py/bin/python', folder), {
        python: '/opt/py/bin/python',
        source: 'configuration',
      });
      assert.deepEqual(choosePythonInterpreter(undefined, folder), { python: 'python3', source: 'PATH' });
      fs.mkdirSync(path.join(folder, '.venv', 'bin'), { recursive: true });
      fs.writeFileSync(path.join(folder, '.venv', 'bin', 'python'), '');
      assert.deepEqual(choosePythonInterpreter(undefined, folder), {
        python: path.join(folder, '.venv', 'bin', 'python'),
        source: 'workspace .venv',
      });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('a payload marks its exact longs and logical types, and the handle frame carries the marks as JSON.stringify would', () => {
    const decimal = { name: 'decimal', format: () => ({ ok: true as const, value: '3978711.44' }) };
    const broken = { name: 'date', format: () => ({ ok: false as const, note: 'out of range' }) };
    const value = {
      id: 9223372036854775807n,
      price: new ReadableValue(decimal, Buffer.from([1])),
      day: new ReadableValue(broken, 99999999),
      items: [{ n: 1n << 60n }],
      plain: 'text',
    };
    const payload = toPayloadFrame({ ok: true, format: 'json', value, raw: Buffer.from('{}') });
    assert.deepEqual(payload.decoded, {
      id: '9223372036854775807',
      price: '3978711.44',
      day: 99999999,
      items: [{ n: '1152921504606846976' }],
      plain: 'text',
    });
    assert.deepEqual(
      payload.types,
      [
        { at: ['id'], type: 'number' },
        { at: ['price'], type: 'decimal' },
        { at: ['items', 0, 'n'], type: 'number' },
      ],
      'a logical value without a readable form is carried as its base, unmarked',
    );
    assert.equal(
      toPayloadFrame({ ok: true, format: 'json', value: { a: 1 }, raw: Buffer.from('{}') }).types,
      undefined,
      'no marks, no field: the frame is as before',
    );
    const message: MessageFrame = {
      id: 'm1',
      topic: 'orders',
      partition: 0,
      offset: 1,
      key: { raw: null, decoded: null, format: 'null' },
      value: payload,
      headers: [],
      attempt: 1,
    };
    const frame = { type: 'handle' as const, messages: [message] };
    assert.equal(encodeFrame(frame).subarray(4).toString('utf8'), JSON.stringify(frame));
  });
});
