// The generated handlers run unchanged in Kafka Consumer Lab's own handler runtimes (the processes
// F5 debugs): the same handle(message, context) contract, the same outcomes.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { defaultGeneratorInput } from '../../../src/core/generator/generatorInput';
import type { MessageFrame } from '../../../src/core/handler/protocol';
import { startHandler, type RunningHandler } from '../handler/support/handlerProcess';
import { startPythonHandler } from '../handler/support/pythonProcess';
import { removeProjects, writeProject } from './generatedProject';

function frame(offset: number, value: unknown): Omit<MessageFrame, 'id'> {
  const raw = value === null ? null : Buffer.from(JSON.stringify(value)).toString('base64');
  return {
    topic: 'orders',
    partition: 0,
    offset,
    timestamp: 1_700_000_000_000,
    key: { raw: Buffer.from('k').toString('base64'), decoded: 'k', format: 'text' },
    value: { raw, decoded: value, format: value === null ? 'null' : 'json' },
    headers: [],
    attempt: 1,
  };
}

describe("generated handlers in the extension's handler runtimes", function () {
  this.timeout(120_000);
  const running: RunningHandler[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });
  after(() => removeProjects());

  for (const language of ['typescript', 'python'] as const) {
    it(`${language}: handles an object, skips a tombstone, and refuses a non-object as not retriable`, async () => {
      const dir = writeProject(
        defaultGeneratorInput({ language, groupId: 'orders-service', topics: ['orders'] }),
        `gen-handler-${language}`,
      );
      const module = path.join(dir, 'src', language === 'typescript' ? 'handler.ts' : 'handler.py');
      const handler = language === 'typescript' ? await startHandler(module) : await startPythonHandler(module);
      running.push(handler);
      const ok = await handler.channel.call(frame(7, { id: 7 }));
      assert.equal(ok.outcome, 'ok');
      assert.match(handler.logs.join('\n'), /orders\/0@7/);
      const skipped = await handler.channel.call(frame(8, null));
      assert.equal(skipped.outcome, 'decision');
      if (skipped.outcome === 'decision') assert.equal(skipped.decision, 'skip');
      const refused = await handler.channel.call(frame(9, [1, 2]));
      assert.equal(refused.outcome, 'error');
      if (refused.outcome !== 'error') return;
      assert.equal(refused.error.type, 'InvalidMessage');
      assert.notEqual(refused.error.retriable, true, 'not retriable: the dead-letter path');
    });
  }
});
