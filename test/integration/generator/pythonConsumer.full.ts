// npm run test:generator: the generated Python project in a venv with confluent-kafka from PyPI,
// its unit tests under pytest, then the 10,000-record scenario on the real broker.
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
import { ConsumerProcess, pythonFor, removeProjects, run, writeProject } from './generatedProject';

/** Replaces the generated handler: records what it handled, refuses the poison, fails the flaky ones once. */
const TEST_HANDLER = `import os
import threading
import time

from contract import RetriableError

_lock = threading.Lock()
_log = os.environ["PROCESSED_LOG"]
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
    with _lock, open(_log, "a") as f:
        f.write(f"{message.partition}:{message.offset}\\n")
`;

describe('generated Python consumer on the real broker (10,000 records)', function () {
  this.timeout(30 * 60_000);
  const { topic, groupId } = newScenarioNames('gen-py');
  const processes: ConsumerProcess[] = [];
  after(async () => {
    await cleanUp(topic, groupId, processes);
    removeProjects();
  });

  it('passes its unit tests under pytest, and loses nothing through SIGTERM, SIGKILL and a restart', async () => {
    const dir = writeProject(scenarioInput('python', topic, groupId), 'gen-py');
    const python = await pythonFor(dir);
    const unit = await run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], {
      cwd: dir,
      timeoutMs: 180_000,
      what: "the generated project's pytest run",
    });
    const passed = /(\d+) passed/.exec(unit.output)?.[1];
    if (!passed) throw new Error(`pytest: ${unit.output.slice(-2000)}`);

    writeFile(path.join(dir, 'src', 'handler.py'), TEST_HANDLER);
    await createScenarioTopics(topic);
    const processedLog = processedLogIn(dir);
    await runScenario(
      {
        topic,
        groupId,
        dlqTopic: `${topic}.dead-letter`,
        processedLog,
        start: (extra) =>
          new ConsumerProcess(python, ['src/consumer.py'], dir, {
            ...process.env,
            PYTHONUNBUFFERED: '1',
            PROCESSED_LOG: processedLog,
            ...extra,
          }),
      },
      processes,
      (line) => console.log(`      ${line} (${passed} pytest tests passed)`),
    );
  });
});
