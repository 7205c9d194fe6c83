// npm run test:generator: the generated TypeScript project, installed from the npm registry,
// compiled strict, its unit tests, then the 10,000-record scenario on the real broker.
import * as path from 'node:path';
import {
  cleanUp,
  createScenarioTopics,
  newScenarioNames,
  processedLogIn,
  runScenario,
  scenarioInput,
  writeFile,
} from './consumerScenario';
import { ConsumerProcess, installNodeModules, removeProjects, run, writeProject } from './generatedProject';

/** Replaces the generated handler: records what it handled, refuses the poison, fails the flaky ones once. */
const TEST_HANDLER = `import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HandlerContext, type HandlerMessage, type HandlerResult, RetriableError } from './contract';

export class InvalidMessage extends Error {
  override readonly name = 'InvalidMessage';
}

const processedLog = process.env.PROCESSED_LOG as string;
const delayMs = Number(process.env.HANDLER_DELAY_MS ?? '0');

export async function handle(message: HandlerMessage<unknown>, context: HandlerContext): Promise<HandlerResult> {
  const value = message.value as { poison?: string; flaky?: boolean };
  if (delayMs > 0) await sleep(delayMs);
  if (value.poison === 'reject') throw new InvalidMessage('order ' + message.offset + ' has no customer');
  if (value.flaky && context.attempt === 1) throw new RetriableError('the dependency timed out');
  appendFileSync(processedLog, message.partition + ':' + message.offset + '\\n');
  return undefined;
}
`;

describe('generated TypeScript consumer on the real broker (10,000 records)', function () {
  this.timeout(45 * 60_000);
  const { topic, groupId } = newScenarioNames('gen-ts');
  const processes: ConsumerProcess[] = [];
  after(async () => {
    await cleanUp(topic, groupId, processes);
    removeProjects();
  });

  it('installs, compiles strict, passes its unit tests, and loses nothing through SIGTERM, SIGKILL and a restart', async () => {
    const dir = writeProject(scenarioInput('typescript', topic, groupId), 'gen-ts');
    const started = Date.now();
    await installNodeModules(dir);
    const installMs = Date.now() - started;
    const tsc = path.join(dir, 'node_modules', '.bin', 'tsc');
    await run(tsc, ['-p', '.'], { cwd: dir, timeoutMs: 180_000, what: 'tsc (strict) on the generated project' });
    const unit = await run('npm', ['test', '--silent'], {
      cwd: dir,
      timeoutMs: 180_000,
      what: "the generated project's unit tests",
    });
    const passed = /# pass (\d+)/.exec(unit.output)?.[1];
    if (!passed || /# fail [1-9]/.test(unit.output)) throw new Error(`unit tests: ${unit.output.slice(-2000)}`);

    writeFile(path.join(dir, 'src', 'handler.ts'), TEST_HANDLER);
    await run(tsc, ['-p', '.'], { cwd: dir, timeoutMs: 180_000, what: 'tsc with the test handler' });
    await createScenarioTopics(topic);
    const processedLog = processedLogIn(dir);
    await runScenario(
      {
        topic,
        groupId,
        dlqTopic: `${topic}.dead-letter`,
        processedLog,
        start: (extra) =>
          new ConsumerProcess(process.execPath, ['dist/src/consumer.js'], dir, {
            ...process.env,
            PROCESSED_LOG: processedLog,
            ...extra,
          }),
      },
      processes,
      (line) =>
        console.log(`      ${line} (npm install ${Math.round(installMs / 1000)} s, ${passed} unit tests passed)`),
    );
  });
});
