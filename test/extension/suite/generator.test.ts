import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import type { GenerateResult } from '../../../src/commands/generatorCommands';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { services, uniqueName, waitFor } from '../../support/services';
import { screenshot } from '../support/browser';

// The native client is loaded only inside the tests (the activation suite checks it is not loaded at activation).
const kafkaSupport = () => import('../../support/kafka');

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

type Item = vscode.TreeItem & { kind?: string };

async function child(api: KafkaLabApi, parent: vscode.TreeItem | undefined, label: string): Promise<Item> {
  return waitFor(`tree node "${label}"`, 20_000, async () =>
    ((await api.clustersTree.getChildren(parent)) as Item[] | undefined)?.find((c) => c.label === label),
  );
}

/**
 * Drives the command's real prompts: each prompt reports its step as it opens; the test then
 * accepts the active item (the default, or the one moved to), retrying until the prompt has taken
 * it (the quick input opens in the workbench a moment after the extension asked for it).
 */
class PromptDriver {
  readonly steps: string[] = [];
  onPrompt = (step: string): void => {
    this.steps.push(step);
  };

  async answer(step: string, moves = 0): Promise<void> {
    const index = await waitFor(`the "${step}" prompt`, 30_000, () => {
      const i = this.steps.lastIndexOf(step);
      return i >= 0 ? i : undefined;
    });
    for (let i = 0; i < moves; i++) await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await waitFor(`the "${step}" prompt to take the answer`, 30_000, async () => {
      if (this.steps.length > index + 1) return true;
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((resolve) => setTimeout(resolve, 250));
      return this.steps.length > index + 1 ? true : undefined;
    });
  }
}

/** Accepts the last prompt until the command has finished, and returns what it returned. */
async function acceptLast(done: Promise<GenerateResult | undefined>): Promise<GenerateResult> {
  return waitFor('the project to be written', 60_000, async () => {
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    return Promise.race([done, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500))]);
  });
}

const AVRO_SCHEMA = {
  type: 'record',
  name: 'OrderPlaced',
  namespace: 'demo.orders',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'placedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'sequence', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

describe('Generate Consumer Project from a topic node, through its prompts', function () {
  this.timeout(120_000);
  const topic = uniqueName('ext-gen');
  const subject = `${topic}-value`;
  const registry = new SchemaRegistryClient({ id: 'ext-generator', url: services.registry.url });
  let api: KafkaLabApi;
  let clusterId: string;
  const folders: string[] = [];
  /** The TypeScript project the session test generates, which the debug test then runs under F5. */
  let tsProject: string | undefined;

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    await (await kafkaSupport()).createTopic(topic, 2);
    const registered = await registry.register(subject, { schemaType: 'AVRO', schema: JSON.stringify(AVRO_SCHEMA) });
    assert.ok(registered.ok, registered.ok ? '' : registered.error.message);
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Generator cluster',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url, auth: 'none' },
    });
  });

  after(async () => {
    for (const folder of folders) fs.rmSync(folder, { recursive: true, force: true });
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await registry.deleteSubject(subject).catch(() => undefined);
    await registry.deleteSubject(subject, { permanent: true }).catch(() => undefined);
    registry.close();
    await (await kafkaSupport()).deleteTopicsQuietly(topic);
  });

  it('asks language, group, format (the registry subject found), commit policy, delivery, concurrency, DLQ and folder; writes the project', async () => {
    const cluster = await child(api, undefined, 'Generator cluster');
    const topics = await child(api, cluster, 'Topics');
    const node = await child(api, topics, topic);
    assert.equal(node.kind, 'topic');

    const driver = new PromptDriver();
    const done = Promise.resolve(
      vscode.commands.executeCommand<GenerateResult | undefined>('kafkaLab.generateConsumerProject', node, {
        onPrompt: driver.onPrompt,
      }),
    );
    await driver.answer('language', 1); // Python
    await driver.answer('groupId'); // `${topic}-consumer`
    await driver.answer('valueFormat'); // the detected subject comes first
    await driver.answer('commitPolicy'); // the guide's batch
    await driver.answer('delivery'); // at-least-once
    await driver.answer('concurrency'); // 1
    await driver.answer('dlqTopic'); // `${topic}.dead-letter`; the folder prompt has opened then
    // The last prompt (a new folder in the workspace): accepting it ends the command.
    let result: GenerateResult | undefined;
    await waitFor('the project to be written', 60_000, async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      result = await Promise.race([
        done,
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500)),
      ]);
      return result;
    });
    assert.ok(result);
    const folder = result.folder;
    folders.push(folder);
    assert.deepEqual(driver.steps, [
      'language',
      'groupId',
      'valueFormat',
      'commitPolicy',
      'delivery',
      'concurrency',
      'dlqTopic',
      'folder',
    ]);
    assert.equal(result.input.language, 'python');
    assert.equal(result.input.groupId, `${topic}-consumer`);
    assert.equal(result.input.valueFormat, 'avro');
    assert.equal(result.input.schema?.subject, subject);
    assert.deepEqual(result.input.commitPolicy, { kind: 'batch', maxMessages: 500, maxIntervalMs: 5000 });
    assert.equal(result.input.dlqTopic, `${topic}.dead-letter`);
    assert.equal(path.dirname(folder), vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);

    const read = (file: string): string => fs.readFileSync(path.join(folder, file), 'utf8');
    for (const file of result.files) assert.ok(fs.existsSync(path.join(folder, file)), `${file} was written`);
    assert.ok(result.files.includes('src/consumer.py') && result.files.includes('.vscode/launch.json'));
    // Types from the registry's schema, logical types mapped.
    const model = read('src/model.py');
    assert.match(model, /class OrderPlaced\(TypedDict\):/);
    assert.match(model, /amount: Decimal/);
    assert.match(model, /placedAt: datetime/);
    assert.match(model, /note: Optional\[str\]/);
    assert.match(read('requirements.txt'), /^confluent-kafka\[avro\]==2\.16\.1$/m);
    // Config from the connection, without secrets.
    const env = read('.env.example');
    assert.match(env, new RegExp(`^KAFKA_BOOTSTRAP_SERVERS=${services.kafka.plaintext.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(env, /^SCHEMA_REGISTRY_URL=http:\/\/127\.0\.0\.1:18081\/apis\/ccompat\/v7$/m);
    assert.match(env, /^SCHEMA_REGISTRY_USER_INFO=$/m);
    // The kafka-lab launch configuration debugs the generated handler with this extension.
    const launch = JSON.parse(read('.vscode/launch.json')) as { configurations: Array<Record<string, unknown>> };
    const debug = launch.configurations.find((c) => c.type === 'kafka-lab');
    assert.ok(debug);
    assert.equal(debug.handler, '${workspaceFolder}/src/handler.py');
    assert.equal(debug.cluster, 'Generator cluster');
    assert.deepEqual(debug.topics, [topic]);
    const { parseHandlerLaunch } = await import('../../../src/core/handler/handlerLaunchConfig');
    const parsed = parseHandlerLaunch({ ...debug, handler: path.join(folder, 'src', 'handler.py') });
    assert.equal(parsed.language, 'python');
    assert.equal(parsed.dlqTopic, `${topic}.dead-letter`);
  });
  it('exactly-once: the delivery prompt asks for the output topic, skips the concurrency, and writes the transactional consumer', async () => {
    // The same group id, so the same folder as the first test's project: removed first, so that no overwrite is asked.
    for (const folder of folders.splice(0)) fs.rmSync(folder, { recursive: true, force: true });
    const cluster = await child(api, undefined, 'Generator cluster');
    const node = await child(api, await child(api, cluster, 'Topics'), topic);
    const driver = new PromptDriver();
    const done = Promise.resolve(
      vscode.commands.executeCommand<GenerateResult | undefined>('kafkaLab.generateConsumerProject', node, {
        onPrompt: driver.onPrompt,
      }),
    );
    await driver.answer('language'); // TypeScript
    await driver.answer('groupId');
    await driver.answer('valueFormat');
    await driver.answer('commitPolicy');
    await driver.answer('delivery', 1); // exactly-once
    await driver.answer('outputTopic'); // `${topic}.out`
    await driver.answer('dlqTopic');
    const result = await acceptLast(done);
    folders.push(result.folder);
    assert.deepEqual(driver.steps, [
      'language',
      'groupId',
      'valueFormat',
      'commitPolicy',
      'delivery',
      'outputTopic',
      'dlqTopic',
      'folder',
    ]);
    assert.equal(result.input.delivery, 'exactly-once');
    assert.equal(result.input.outputTopic, `${topic}.out`);
    assert.equal(result.input.concurrency, 1);
    const read = (file: string): string => fs.readFileSync(path.join(result.folder, file), 'utf8');
    assert.match(read('src/consumer.ts'), /sendOffsetsToTransaction/);
    assert.match(read('src/config.ts'), /'isolation.level': 'read_committed'/);
    assert.match(read('.env.example'), new RegExp(`^KAFKA_OUTPUT_TOPIC=${topic.replace(/\./g, '\\.')}\\.out$`, 'm'));
    assert.match(read('README.md'), /Only Kafka outputs are covered/);
    const launch = JSON.parse(read('.vscode/launch.json')) as { configurations: Array<Record<string, unknown>> };
    const debug = launch.configurations.find((c) => c.type === 'kafka-lab');
    assert.equal(debug?.delivery, 'exactly-once');
    const { parseHandlerLaunch } = await import('../../../src/core/handler/handlerLaunchConfig');
    const parsed = parseHandlerLaunch({ ...debug, handler: path.join(result.folder, 'src', 'handler.ts') });
    assert.equal(parsed.delivery, 'exactly-once');
  });
  it('from a running session: takes its group, topics, commit policy and dead-letter topic, and asks only the rest', async () => {
    const groupId = uniqueName('ext-gen-session');
    const sessionId = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      mode: 'running',
      commitPolicy: { kind: 'batch', maxMessages: 50, maxIntervalMs: 2000 },
      dlqTopic: '{topic}.failed',
      noPanel: true,
    });
    try {
      const node = await waitFor('the session in the Sessions view', 20_000, () =>
        (api.sessions.view.getChildren() as Array<vscode.TreeItem & { controller?: { id: string } }>).find(
          (n) => n.controller?.id === sessionId,
        ),
      );
      const driver = new PromptDriver();
      const done = Promise.resolve(
        vscode.commands.executeCommand<GenerateResult | undefined>('kafkaLab.generateConsumerProject', node, {
          onPrompt: driver.onPrompt,
        }),
      );
      await driver.answer('language'); // TypeScript
      await driver.answer('valueFormat'); // the subject's Avro
      const result = await acceptLast(done);
      folders.push(result.folder);
      tsProject = result.folder;
      assert.deepEqual(driver.steps, ['language', 'valueFormat', 'folder'], 'the session answered the rest');
      assert.equal(result.input.groupId, groupId);
      assert.deepEqual(result.input.topics, [topic]);
      assert.deepEqual(result.input.commitPolicy, { kind: 'batch', maxMessages: 50, maxIntervalMs: 2000 });
      assert.equal(result.input.dlqTopic, `${topic}.failed`);
      const read = (file: string): string => fs.readFileSync(path.join(result.folder, file), 'utf8');
      assert.match(read('src/types.ts'), /export interface OrderPlaced \{/);
      assert.match(read('.env.example'), /^COMMIT_BATCH_MESSAGES=50$/m);
      assert.match(read('.env.example'), /^KAFKA_DLQ_TOPIC=.*\.failed$/m);
      const launch = JSON.parse(read('.vscode/launch.json')) as { configurations: Array<Record<string, unknown>> };
      const debug = launch.configurations.find((c) => c.type === 'kafka-lab');
      assert.deepEqual(debug?.commitPolicy, { maxMessages: 50, maxIntervalMs: 2000 });
      assert.equal(debug?.handler, '${workspaceFolder}/src/handler.ts');
    } finally {
      await vscode.commands.executeCommand('kafkaLab.stopSession', sessionId);
      const { withAdmin } = await kafkaSupport();
      await withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    }
  });
  it('F5 on the generated launch configuration stops at a breakpoint in the generated handler, with the real message', async () => {
    assert.ok(tsProject, 'the TypeScript project of the previous test');
    const project = tsProject;
    const { kafkaClient } = await kafkaSupport();
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k-debug', value: JSON.stringify({ orderId: 'o-debug' }) }] });
    await producer.disconnect();
    const stops: Array<{ session: vscode.DebugSession; reason: string; threadId: number }> = [];
    const tracker = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { reason?: string; threadId?: number } }) => {
          if (m.type === 'event' && m.event === 'stopped')
            stops.push({ session, reason: m.body?.reason ?? '', threadId: m.body?.threadId ?? 0 });
        },
      }),
    });
    const handlerFile = vscode.Uri.file(path.join(project, 'src', 'handler.ts'));
    const line = fs
      .readFileSync(handlerFile.fsPath, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('context.log('));
    assert.ok(line > 0);
    vscode.debug.addBreakpoints([
      new vscode.SourceBreakpoint(new vscode.Location(handlerFile, new vscode.Position(line, 0))),
    ]);
    // The generated configuration as VS Code resolves it with the project open: ${workspaceFolder} is the project.
    const launch = JSON.parse(fs.readFileSync(path.join(project, '.vscode', 'launch.json'), 'utf8')) as {
      configurations: Array<Record<string, unknown>>;
    };
    const generated = launch.configurations.find((c) => c.type === 'kafka-lab') as Record<string, unknown>;
    const config = JSON.parse(
      JSON.stringify(generated).split('${workspaceFolder}').join(project),
    ) as vscode.DebugConfiguration;
    try {
      await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], config);
      const controller = await waitFor('the consumer session of the generated configuration', 30_000, () =>
        api.sessions.manager.list().find((c) => c.spec.groupId === config.groupId),
      );
      await waitFor('the handler process to load the generated module', 60_000, () =>
        api.handlers.handlerOf(controller.id)?.channel.state === 'ready' ? true : undefined,
      );
      await waitFor('the message waiting for a decision', 30_000, () => (controller.current ? true : undefined));
      const next = vscode.commands.executeCommand('kafkaLab.sessionDecide', controller.id, 'next');
      const stop = await waitFor('the breakpoint in the generated handler', 60_000, () =>
        stops.find((s) => s.reason === 'breakpoint'),
      );
      const trace = (await stop.session.customRequest('stackTrace', { threadId: stop.threadId })) as {
        stackFrames: Array<{ id: number; line: number; source?: { path?: string } }>;
      };
      const top = trace.stackFrames[0];
      // In code-server the path is a vscode-remote:// URI of the same file.
      assert.ok(top?.source?.path?.endsWith(handlerFile.fsPath), JSON.stringify(top));
      assert.equal(top?.line, line + 1);
      const evaluated = (await stop.session.customRequest('evaluate', {
        expression: 'message.key',
        frameId: top?.id,
        context: 'watch',
      })) as { result: string };
      assert.equal(evaluated.result, "'k-debug'");
      // For the README: the generated handler, stopped on the real message.
      await vscode.window.showTextDocument(handlerFile, {
        preview: false,
        selection: new vscode.Range(line, 0, line, 0),
      });
      await screenshot('generator-breakpoint');
      await stop.session.customRequest('continue', { threadId: stop.threadId });
      await next;
    } finally {
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      tracker.dispose();
      await api.sessions.manager.stopAll(15_000);
      const { withAdmin } = await kafkaSupport();
      await withAdmin((admin) => admin.deleteGroups([String(config.groupId)])).catch(() => undefined);
    }
  });
});
