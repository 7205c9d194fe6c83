import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import type { SessionController } from '../../../src/core/session/sessionController';
import { services, uniqueName, waitFor } from '../../support/services';

const kafkaSupport = () => import('../../support/kafka');
const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';

interface Stopped {
  readonly session: vscode.DebugSession;
  readonly reason: string;
  readonly threadId: number;
}

/** Asks the runner's browser about the session panel's webview (see scripts/lib/webviewProbe.mjs). */
async function probe<T = unknown>(request: Record<string, unknown>): Promise<T> {
  const response = await fetch(process.env.KAFKA_LAB_WEBVIEW_URL!, {
    method: 'POST',
    body: JSON.stringify({ root: 'kafka-lab-session-panel', ...request }),
  });
  const body = (await response.json()) as T & { error?: string };
  assert.equal(response.status, 200, `probe ${String(request.op)}: ${body.error}`);
  return body;
}

async function screenshot(name: string): Promise<void> {
  const url = process.env.KAFKA_LAB_SCREENSHOT_URL;
  if (!url) return;
  await fetch(`${url}?name=${encodeURIComponent(name)}`);
}

const step = (what: string) => console.log(`[handlerDebug] ${new Date().toISOString()} ${what}`);

describe('debugging a TypeScript handler on real messages (F5 on a kafka-lab configuration)', function () {
  this.timeout(240_000);
  let api: KafkaLabApi;
  let clusterId: string;
  const topics: string[] = [];
  const stops: Stopped[] = [];
  const disposables: vscode.Disposable[] = [];
  const folder = () => vscode.workspace.workspaceFolders?.[0];
  const handlerFile = () => path.join(folder()!.uri.fsPath, 'handlers', 'handleOrder.ts');

  /** The consumer session a handler launch started for `groupId`, once its handler process has loaded the module. */
  async function handlerSession(groupId: string): Promise<SessionController> {
    const controller = await waitFor('the consumer session', 30_000, () =>
      api.sessions.manager.list().find((c) => c.spec.groupId === groupId),
    );
    await waitFor('the handler process to load the module', 60_000, () =>
      api.handlers.handlerOf(controller.id)?.channel.state === 'ready' ? true : undefined,
    );
    return controller;
  }

  /** A one-partition topic (and its dead-letter topic) holding `values` as JSON, keyed k0, k1, … */
  async function topicWith(prefix: string, values: readonly unknown[]): Promise<string> {
    const { createTopic, kafkaClient } = await kafkaSupport();
    const topic = uniqueName(prefix);
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((v, i) => ({ key: `k${i}`, value: JSON.stringify(v) })) });
    await producer.disconnect();
    return topic;
  }

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Handler debug test',
      bootstrapServers: services.kafka.plaintext,
      registry: { url: services.registry.url },
    });
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (message: {
            type?: string;
            event?: string;
            body?: { reason?: string; threadId?: number };
          }) => {
            if (message.type === 'event' && message.event === 'stopped')
              stops.push({ session, reason: message.body?.reason ?? '', threadId: message.body?.threadId ?? 0 });
          },
        }),
      }),
    );
  });

  after(async () => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    for (const d of disposables) d.dispose();
    await api.sessions.manager.stopAll(15_000);
    await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    await (await kafkaSupport()).deleteTopicsQuietly(...topics);
  });

  it('stops at a breakpoint in the .ts source with the decoded message; continue commits; a throw is shown and dead-letters with its class; ending the debug session stops the group session', async () => {
    const { readAll } = await kafkaSupport();
    const { CommittedReader } = await import('../../support/committedReader');
    const topic = await topicWith('ext-handler', [{ orderId: 'o-1', customer: 'c-1' }, { orderId: 'o-2' }]);

    const file = vscode.Uri.file(handlerFile());
    // The line of context.log(...) in handleOrder.ts (0-based), and the throw after it.
    const source = (await vscode.workspace.fs.readFile(file)).toString().split('\n');
    const line = source.findIndex((l) => l.includes('context.log('));
    const throwLine = source.findIndex((l) => l.includes('throw new OrderRejected')) + 1;
    vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(file, new vscode.Position(line, 0)))]);
    const groupId = uniqueName('ext-handler-group');
    const started = await vscode.debug.startDebugging(folder(), {
      type: 'kafka-lab',
      request: 'launch',
      name: 'Debug orders handler',
      handler: '${workspaceFolder}/handlers/handleOrder.ts',
      cluster: 'Handler debug test',
      topics: [topic],
      groupId,
      mode: 'stepping',
      commitPolicy: 'perMessage',
    });
    assert.equal(started, false, 'the kafka-lab configuration hands over to the Node debug session it starts');
    // Committed offsets through the consumer's own OffsetFetch, not the admin API (see committedReader.ts).
    const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
    const committed = async () => (await reader.read(topic, [0])).get(0);

    const controller = await handlerSession(groupId);
    const id = controller.id;
    await waitFor('offset 0 waiting for a decision', 30_000, () =>
      controller.current?.offset === 0 ? true : undefined,
    );
    assert.ok(api.handlers.handlerOf(id)?.debugSession, 'a debug session runs the handler');

    // Next runs the handler: the debugger stops in the .ts file.
    const first = vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
    step('Next');
    const stop = await waitFor('the breakpoint', 60_000, () => stops.find((s) => s.reason === 'breakpoint'));
    const trace = (await stop.session.customRequest('stackTrace', { threadId: stop.threadId })) as {
      stackFrames: Array<{ id: number; line: number; source?: { path?: string } }>;
    };
    const top = trace.stackFrames[0];
    assert.equal(path.basename(top.source?.path ?? ''), 'handleOrder.ts', JSON.stringify(top));
    assert.equal(top.line, line + 1);
    const evaluated = (await stop.session.customRequest('evaluate', {
      expression: 'message.value.orderId',
      frameId: top.id,
      context: 'watch',
    })) as { result: string };
    assert.equal(evaluated.result, "'o-1'");
    await screenshot('handler-breakpoint');
    // The group keeps its membership while the handler is paused.
    assert.equal(controller.session.state, 'stepping');
    step('continue');
    await stop.session.customRequest('continue', { threadId: stop.threadId });
    step('continued');
    await first;
    step('first Next done');
    await waitFor('offset 0 committed', 20_000, async () => ((await committed()) === 1 ? true : undefined));

    // The second order throws: the panel shows the handler's error; dead-lettering records its class.
    // The breakpoint holds for every message: the second order stops there too, then throws.
    stops.length = 0;
    await waitFor('offset 1 waiting for a decision', 30_000, () =>
      controller.current?.offset === 1 ? true : undefined,
    );
    const second = vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
    const again = await waitFor('the breakpoint on the second message', 60_000, () =>
      stops.find((s) => s.reason === 'breakpoint'),
    );
    step('second stop');
    await again.session.customRequest('continue', { threadId: again.threadId });
    await second;
    const notice = controller.panelState().notice;
    assert.equal(notice?.level, 'error');
    assert.match(notice?.text ?? '', /OrderRejected: order o-2 has no customer/);
    assert.match(
      notice?.text ?? '',
      new RegExp(`handleOrder\\.ts:${throwLine}`),
      'the stack is mapped to the .ts source',
    );
    await screenshot('handler-error');
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'deadLetter', 'no customer');
    const [dlq] = await readAll(`${topic}.dead-letter`, 1);
    const envelope = JSON.parse(dlq.value?.toString() ?? '{}') as {
      original_offset: number;
      error_type: string;
      error_message: string;
    };
    assert.equal(envelope.original_offset, 1);
    assert.equal(envelope.error_type, 'OrderRejected');
    await waitFor('offset 1 committed after the DLQ write', 20_000, async () =>
      (await committed()) === 2 ? true : undefined,
    );

    // Replay offset 0 from the panel's history: the handler runs again (the breakpoint holds it), nothing is committed.
    stops.length = 0;
    await waitFor('the Replay buttons', 20_000, async () =>
      (
        await probe<{ value: boolean }>({
          op: 'evaluate',
          expression: `document.querySelectorAll('.history button.replay').length >= 2`,
        })
      ).value
        ? true
        : undefined,
    );
    await probe({
      op: 'evaluate',
      expression: `(() => { const li = [...document.querySelectorAll('.history li')].find((l) => l.querySelector('.where')?.textContent === '[0] @ 0'); li.querySelector('button.replay').click(); return true; })()`,
    });
    const replayStop = await waitFor('the breakpoint in the replay', 60_000, () =>
      stops.find((s) => s.reason === 'breakpoint'),
    );
    await replayStop.session.customRequest('continue', { threadId: replayStop.threadId });
    await waitFor('the replay outcome', 20_000, () =>
      /Replayed .* offset 0: the handler returned/.test(controller.panelState().notice?.text ?? '') ? true : undefined,
    );
    assert.equal(await committed(), 2, 'a replay commits nothing');
    await reader.close();

    // Stopping the debug session stops the consumer session gracefully.
    const debugSession = api.handlers.handlerOf(id)?.debugSession;
    assert.ok(debugSession);
    await vscode.debug.stopDebugging(debugSession);
    await waitFor('the consumer session to stop', 30_000, () => (api.sessions.manager.get(id) ? undefined : true));
  });
  it('Run Handler (no debugger): saving reloads it, a syntax error names the file and line, a killed process is a visible error and Restart Handler resumes without a gap', async () => {
    const { CommittedReader } = await import('../../support/committedReader');
    const topic = await topicWith(
      'ext-handler-reload',
      Array.from({ length: 5 }, (_, i) => ({ n: i })),
    );

    const file = vscode.Uri.file(path.join(folder()!.uri.fsPath, 'handlers', `reload-${Date.now()}.ts`));
    const write = async (source: string) => {
      const document = await vscode.workspace.openTextDocument(file);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(file, new vscode.Range(0, 0, document.lineCount, 0), source);
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.ok(await document.save(), 'saved');
    };
    await vscode.workspace.fs.writeFile(
      file,
      Buffer.from(
        'export function handle(m: { offset: number }, ctx: { log(s: string): void }): void {\n  ctx.log(`v1 ${m.offset}`);\n}\n',
      ),
    );
    const groupId = uniqueName('ext-handler-reload-group');
    const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
    try {
      await vscode.commands.executeCommand('kafkaLab.runHandler', {
        clusterId,
        topics: [topic],
        groupId,
        handler: file.fsPath,
        saveToLaunchJson: false,
      });
      const controller = await handlerSession(groupId);
      const id = controller.id;
      const run = () => api.handlers.handlerOf(id)!;
      assert.equal(run().launch.noDebug, true);
      const logs: string[] = [];
      run().channel.on('log', (entry) => logs.push(entry.message));
      const shown = (offset: number) =>
        waitFor(`offset ${offset} waiting`, 30_000, () => (controller.current?.offset === offset ? true : undefined));

      await shown(0);
      await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
      assert.deepEqual(logs, ['v1 0']);

      // Save a new version: the next message runs it, in the same process.
      const pid = run().channel.processId;
      await write(
        'export function handle(m: { offset: number }, ctx: { log(s: string): void }): void {\n  ctx.log(`v2 ${m.offset}`);\n}\n',
      );
      await waitFor('the reload', 20_000, () =>
        run().channel.state === 'ready' && logs.length === 1 ? true : undefined,
      );
      await shown(1);
      await waitFor('v2 to run', 20_000, async () => {
        await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next').then(undefined, () => undefined);
        return logs.includes('v2 1') ? true : undefined;
      });
      assert.equal(run().channel.processId, pid, 'reloaded in the same process');

      // A syntax error: the handler does not load, the message waits, the error names the file and line.
      await write('export function handle(m: { offset: number }) {\n  const x = ;\n}\n');
      await waitFor('the failed reload', 20_000, () => (run().channel.state === 'loadFailed' ? true : undefined));
      await shown(2);
      await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
      assert.equal(controller.current?.offset, 2, 'the message still waits');
      assert.match(
        controller.panelState().notice?.text ?? '',
        new RegExp(`${path.basename(file.fsPath).replace('.', '\\.')}:2`),
      );
      await write(
        'export function handle(m: { offset: number }, ctx: { log(s: string): void }): void {\n  ctx.log(`v3 ${m.offset}`);\n}\n',
      );
      await waitFor('the fixed reload', 20_000, () => (run().channel.state === 'ready' ? true : undefined));

      // SIGKILL the process: a visible error, the message stays; Restart Handler resumes from it.
      process.kill(run().channel.processId!, 'SIGKILL');
      await waitFor('the process to be gone', 20_000, () => (run().channel.state === 'waiting' ? true : undefined));
      await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
      assert.equal(controller.current?.offset, 2);
      assert.match(controller.panelState().notice?.text ?? '', /went away|no handler process/);
      assert.ok(api.sessions.manager.get(id), 'a crashed handler does not stop the consumer session');
      assert.ok(
        ((await reader.read(topic, [0])).get(0) ?? -1) <= 2,
        'nothing past what was done is committed (the default batch policy may not have committed yet)',
      );
      await vscode.commands.executeCommand('kafkaLab.restartHandler', id);
      await waitFor('the restarted handler', 60_000, () => (run().channel.state === 'ready' ? true : undefined));
      await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
      await shown(3);
      assert.ok(logs.includes('v3 2'), logs.join(', '));
      await waitFor('offset 2 committed', 20_000, async () =>
        (await reader.read(topic, [0])).get(0) === 3 ? true : undefined,
      );
      await vscode.commands.executeCommand('kafkaLab.stopSession', id);
      await waitFor('the handler process to end with the session', 30_000, () =>
        api.handlers.handlerOf(id) ? undefined : true,
      );
    } finally {
      await reader.close();
      await vscode.workspace.fs.delete(file);
    }
  });
  it('a breakpoint held past max.poll.interval.ms costs no rebalance and no lost partition; after continue the commit goes through', async function () {
    this.timeout(180_000);
    const { CommittedReader } = await import('../../support/committedReader');
    const topic = await topicWith('ext-handler-hold', [{ orderId: 'o-held', customer: 'c' }]);
    const file = vscode.Uri.file(handlerFile());
    const source = (await vscode.workspace.fs.readFile(file)).toString().split('\n');
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    vscode.debug.addBreakpoints([
      new vscode.SourceBreakpoint(
        new vscode.Location(
          file,
          new vscode.Position(
            source.findIndex((l) => l.includes('context.log(')),
            0,
          ),
        ),
      ),
    ]);
    stops.length = 0;
    const groupId = uniqueName('ext-handler-hold-group');
    const reader = await CommittedReader.open(services.kafka.plaintext, groupId);
    try {
      await vscode.debug.startDebugging(folder(), {
        type: 'kafka-lab',
        request: 'launch',
        name: 'Debug a held breakpoint',
        handler: '${workspaceFolder}/handlers/handleOrder.ts',
        cluster: 'Handler debug test',
        topics: [topic],
        groupId,
        mode: 'stepping',
        commitPolicy: 'perMessage',
        // librdkafka wants session.timeout.ms <= max.poll.interval.ms.
        consumerConfig: { 'max.poll.interval.ms': 6000, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 1000 },
      });
      const controller = await handlerSession(groupId);
      const id = controller.id;
      await waitFor('offset 0 waiting', 30_000, () => (controller.current?.offset === 0 ? true : undefined));
      const next = vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
      const stop = await waitFor('the breakpoint', 60_000, () => stops.find((s) => s.reason === 'breakpoint'));
      const timelineBefore = controller.timeline.length;
      await new Promise((resolve) => setTimeout(resolve, 10_000)); // held past max.poll.interval.ms (6 s)
      await stop.session.customRequest('continue', { threadId: stop.threadId });
      await next;
      await waitFor('offset 0 committed', 20_000, async () =>
        (await reader.read(topic, [0])).get(0) === 1 ? true : undefined,
      );
      const after = controller.timeline.slice(timelineBefore).map((e) => e.kind);
      assert.deepEqual(after, [], `no rebalance while the breakpoint held the handler (${after.join(', ')})`);
      assert.ok(controller.timeline.every((e) => e.kind !== 'lost'));
      await vscode.commands.executeCommand('kafkaLab.stopSession', id);
    } finally {
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      await reader.close();
    }
  });
});
