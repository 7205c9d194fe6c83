// npm run test:generator: the exactly-once variant of both generated projects on the real broker.
// SIGKILLs at random moments, a fencing second instance, then a read_committed reader of the output
// topic: 0 lost and 0 duplicates (transactionalScenario.ts).
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { services } from '../../support/services';
import { writeFile } from './consumerScenario';
import { ConsumerProcess, installNodeModules, pythonFor, removeProjects, run, writeProject } from './generatedProject';
import { cleanUpEos, createEosTopics, eosInput, eosNames, runEosScenario } from './transactionalScenario';

/** Forwards each input (its value, key and seq header), refuses the poison, fails the flaky ones once. */
const TS_HANDLER = `import { setTimeout as sleep } from 'node:timers/promises';
import { type HandlerContext, type HandlerMessage, type HandlerResult, RetriableError } from './contract';

export class InvalidMessage extends Error {
  override readonly name = 'InvalidMessage';
}

const delayMs = Number(process.env.HANDLER_DELAY_MS ?? '0');

export async function handle(message: HandlerMessage<unknown>, context: HandlerContext): Promise<HandlerResult> {
  const value = message.value as { poison?: string; flaky?: boolean };
  if (delayMs > 0) await sleep(delayMs);
  if (value.poison === 'reject') throw new InvalidMessage('order ' + message.offset + ' has no customer');
  if (value.flaky && context.attempt === 1) throw new RetriableError('the dependency timed out');
  return [{ key: message.key, value, headers: { seq: message.headers.seq ?? '', source: message.partition + ':' + message.offset } }];
}
`;

const PY_HANDLER = `import os
import time

from contract import RetriableError

_delay_s = float(os.environ.get("HANDLER_DELAY_MS", "0")) / 1000


class InvalidMessage(ValueError):
    pass


def handle(message, context):
    if _delay_s:
        time.sleep(_delay_s)
    value = message.value
    if value.get("poison") == "reject":
        raise InvalidMessage(f"order {message.offset} has no customer")
    if value.get("flaky") and context.attempt == 1:
        raise RetriableError("the dependency timed out")
    return [{"key": message.key, "value": value, "headers": {"seq": message.headers.get("seq", ""), "source": f"{message.partition}:{message.offset}"}}]
`;

describe('generated exactly-once consumers: SIGKILLs and fencing, 0 lost and 0 duplicates in read_committed', function () {
  this.timeout(45 * 60_000);
  after(() => removeProjects());

  describe('TypeScript', () => {
    const names = eosNames('gen-eos-ts');
    const processes: ConsumerProcess[] = [];
    after(() => cleanUpEos(names, processes));

    it('compiles strict, passes its unit and its own broker tests, and every output is read exactly once after the kills', async () => {
      const dir = writeProject(eosInput('typescript', names), 'gen-eos-ts');
      await installNodeModules(dir);
      const tsc = path.join(dir, 'node_modules', '.bin', 'tsc');
      await run(tsc, ['-p', '.'], { cwd: dir, timeoutMs: 180_000, what: 'tsc (strict) on the exactly-once project' });
      const unit = await run('npm', ['test', '--silent'], { cwd: dir, timeoutMs: 180_000, what: 'its unit tests' });
      const passed = /# pass (\d+)/.exec(unit.output)?.[1];
      if (!passed || /# fail [1-9]/.test(unit.output)) throw new Error(`unit tests: ${unit.output.slice(-2000)}`);
      // Its own integration test on the broker: every output read once by a read_committed reader.
      const own = await run(process.execPath, ['--test', 'dist/test/integration.test.js'], {
        cwd: dir,
        env: { ...process.env, KAFKA_BOOTSTRAP_SERVERS: services.kafka.plaintext },
        timeoutMs: 240_000,
        what: "the exactly-once project's own integration test",
      });
      assert.match(own.output, /# pass 1\n# fail 0/);
      writeFile(path.join(dir, 'src', 'handler.ts'), TS_HANDLER);
      await run(tsc, ['-p', '.'], { cwd: dir, timeoutMs: 180_000, what: 'tsc with the test handler' });
      await createEosTopics(names);
      await runEosScenario(
        names,
        (instanceId, delayMs) =>
          new ConsumerProcess(process.execPath, ['dist/src/consumer.js'], dir, {
            ...process.env,
            KAFKA_INSTANCE_ID: instanceId,
            HANDLER_DELAY_MS: String(delayMs),
          }),
        processes,
        (line) => console.log(`      TypeScript: ${line} (${passed} unit tests passed)`),
      );
    });
  });

  describe('Python', () => {
    const names = eosNames('gen-eos-py');
    const processes: ConsumerProcess[] = [];
    after(() => cleanUpEos(names, processes));

    it('passes its unit and its own broker tests under pytest, and every output is read exactly once after the kills', async () => {
      const dir = writeProject(eosInput('python', names), 'gen-eos-py');
      const python = await pythonFor(dir);
      const unit = await run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
        cwd: dir,
        timeoutMs: 180_000,
        what: "the generated project's pytest run",
      });
      const passed = /(\d+) passed/.exec(unit.output)?.[1];
      if (!passed) throw new Error(`pytest: ${unit.output.slice(-2000)}`);
      const own = await run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'tests/test_integration.py'], {
        cwd: dir,
        env: { ...process.env, KAFKA_BOOTSTRAP_SERVERS: services.kafka.plaintext },
        timeoutMs: 240_000,
        what: "the exactly-once project's own integration test",
      });
      assert.match(own.output, /\b1 passed\b/);
      writeFile(path.join(dir, 'src', 'handler.py'), PY_HANDLER);
      await createEosTopics(names);
      await runEosScenario(
        names,
        (instanceId, delayMs) =>
          new ConsumerProcess(python, ['src/consumer.py'], dir, {
            ...process.env,
            PYTHONUNBUFFERED: '1',
            KAFKA_INSTANCE_ID: instanceId,
            HANDLER_DELAY_MS: String(delayMs),
          }),
        processes,
        (line) => console.log(`      Python: ${line} (${passed} pytest tests passed)`),
      );
    });
  });
});
