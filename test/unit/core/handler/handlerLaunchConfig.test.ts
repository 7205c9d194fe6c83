import { strict as assert } from 'node:assert';
import {
  DEFAULT_HANDLER_TIMEOUT_MS,
  HandlerLaunchError,
  parseEnvFile,
  parseHandlerLaunch,
} from '../../../../src/core/handler/handlerLaunchConfig';

const base = {
  type: 'kafka-lab',
  request: 'launch',
  name: 'Debug orders',
  handler: '/w/src/handleOrder.ts',
  cluster: 'Local demo',
  topics: ['orders'],
  groupId: 'dev-orders',
};

describe('kafka-lab launch configurations', () => {
  it('fills the defaults of a minimal configuration', () => {
    const launch = parseHandlerLaunch(base);
    assert.equal(launch.exportName, 'handle');
    assert.equal(launch.mode, 'stepping');
    assert.equal(launch.autoOffsetReset, 'earliest');
    assert.deepEqual(launch.commitPolicy, { kind: 'batch', maxMessages: 500, maxIntervalMs: 5_000 });
    assert.equal(launch.members, 1);
    assert.equal(launch.concurrency, 1);
    assert.equal(launch.handlerTimeoutMs, DEFAULT_HANDLER_TIMEOUT_MS);
    assert.equal(launch.noDebug, false);
    assert.deepEqual(launch.env, {});
    assert.equal(launch.consumerConfig, undefined);
  });

  it('takes every optional field', () => {
    const launch = parseHandlerLaunch({
      ...base,
      export: 'process',
      mode: 'running',
      commitPolicy: { maxMessages: 10, maxIntervalMs: 100 },
      members: 3,
      concurrency: 8,
      partitionConcurrency: 2,
      handlerTimeoutMs: 500,
      runtimeExecutable: '/opt/node/bin/node',
      runtimeArgs: ['--enable-source-maps'],
      args: ['--verbose'],
      env: { STAGE: 'dev' },
      envFile: '/w/.env',
      cwd: '/w',
      consumerConfig: { 'max.poll.interval.ms': 6000, 'client.rack': 'a' },
      noDebug: true,
    });
    assert.deepEqual(launch.commitPolicy, { kind: 'batch', maxMessages: 10, maxIntervalMs: 100 });
    assert.equal(launch.exportName, 'process');
    assert.deepEqual(launch.consumerConfig, { 'max.poll.interval.ms': 6000, 'client.rack': 'a' });
    assert.equal(launch.noDebug, true);
    assert.deepEqual(parseHandlerLaunch({ ...base, commitPolicy: 'perMessage' }).commitPolicy, { kind: 'perMessage' });
    assert.deepEqual(parseHandlerLaunch({ ...base, topics: undefined, topic: 'one' }).topics, ['one']);
  });

  it('names the field that is wrong and how to write it', () => {
    const refused = (raw: Record<string, unknown>, field: string, text: RegExp) =>
      assert.throws(
        () => parseHandlerLaunch(raw),
        (e: unknown) => e instanceof HandlerLaunchError && e.field === field && text.test(e.message),
      );
    refused({ ...base, handler: undefined }, 'handler', /is missing/);
    refused(
      { ...base, handler: 'src/handleOrder.ts' },
      'handler',
      /absolute path; write "\$\{workspaceFolder\}\/src\/handleOrder\.ts"/,
    );
    refused({ ...base, handler: '/w/handler.rb' }, 'handler', /must be a \.ts/);
    refused({ ...base, topics: [] }, 'topics', /at least one topic/);
    refused({ ...base, topics: 'orders' }, 'topics', /array of strings/);
    refused({ ...base, groupId: 3 }, 'groupId', /must be a string/);
    refused({ ...base, mode: 'fast' }, 'mode', /"stepping", "running"/);
    refused({ ...base, commitPolicy: { maxMessages: 0, maxIntervalMs: 1 } }, 'commitPolicy', /perMessage/);
    refused({ ...base, members: 65 }, 'members', /from 1 to 64/);
    refused({ ...base, env: { A: 1 } }, 'env', /string values/);
    refused(
      { ...base, consumerConfig: { 'max.poll.interval.ms': { nested: true } } },
      'consumerConfig',
      /librdkafka properties/,
    );
    refused({ ...base, language: 'cobol' }, 'language', /must be one of/);
  });

  it('reads .env files: comments, export, quotes, and escaped newlines in double quotes', () => {
    assert.deepEqual(
      parseEnvFile('# a comment\nA=1\nexport B = two words \nC="x\\ny"\nD=\'single\'\nnot a line\n\nE='),
      { A: '1', B: 'two words', C: 'x\ny', D: 'single', E: '' },
    );
  });
});
