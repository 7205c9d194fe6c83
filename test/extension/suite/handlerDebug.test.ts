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

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', { name: 'Handler debug test', bootstrapServers: services.kafka.plaintext, registry: { url: services.registry.url } });
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (message: { type?: string; event?: string; body?: { reason?: string; threadId?: number } }) => {
            if (message.type === 'event' && message.event === 'stopped') stops.push({ session, reason: message.body?.reason ?? '', threadId: message.body?.threadId ?? 0 });
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
    const { createTopic, kafkaClient, readAll } = await kafkaSupport();
    const { CommittedReader } = await import('../../support/committedReader');
    const topic = uniqueName('ext-handler');
    topics.push(topic, `${topic}.dead-letter`);
    await createTopic(topic, 1);
    await createTopic(`${topic}.dead-letter`, 1);
    const producer = kafkaClient().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'a', value: JSON.stringify({ orderId: 'o-1', customer: 'c-1' }) }, { key: 'b', value: JSON.stringify({ orderId: 'o-2' }) }] });
    await producer.disconnect();

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

    let controller: SessionController | undefined;
    await waitFor('the consumer session', 30_000, () => (controller = api.sessions.manager.list().find((c) => c.spec.groupId === groupId)));
    const id = controller!.id;
    await waitFor('the handler process to load the module', 60_000, () => (api.handlers.handlerOf(id)?.channel.state === 'ready' ? true : undefined));
    await waitFor('offset 0 waiting for a decision', 30_000, () => (controller!.current?.offset === 0 ? true : undefined));
    assert.ok(api.handlers.handlerOf(id)?.debugSession, 'a debug session runs the handler');

    // Next runs the handler: the debugger stops in the .ts file.
    const first = vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
    step('Next');
    const stop = await waitFor('the breakpoint', 60_000, () => stops.find((s) => s.reason === 'breakpoint'));
    const trace = (await stop.session.customRequest('stackTrace', { threadId: stop.threadId })) as { stackFrames: Array<{ id: number; line: number; source?: { path?: string } }> };
    const top = trace.stackFrames[0];
    assert.equal(path.basename(top.source?.path ?? ''), 'handleOrder.ts', JSON.stringify(top));
    assert.equal(top.line, line + 1);
    const evaluated = (await stop.session.customRequest('evaluate', { expression: 'message.value.orderId', frameId: top.id, context: 'watch' })) as { result: string };
    assert.equal(evaluated.result, "'o-1'");
    await screenshot('handler-breakpoint');
    // The group keeps its membership while the handler is paused.
    assert.equal(controller!.session.state, 'stepping');
    step('continue');
    await stop.session.customRequest('continue', { threadId: stop.threadId });
    step('continued');
    await first;
    step('first Next done');
    await waitFor('offset 0 committed', 20_000, async () => ((await committed()) === 1 ? true : undefined));

    // The second order throws: the panel shows the handler's error; dead-lettering records its class.
    // The breakpoint holds for every message: the second order stops there too, then throws.
    stops.length = 0;
    await waitFor('offset 1 waiting for a decision', 30_000, () => (controller!.current?.offset === 1 ? true : undefined));
    const second = vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'next');
    const again = await waitFor('the breakpoint on the second message', 60_000, () => stops.find((s) => s.reason === 'breakpoint'));
    step('second stop');
    await again.session.customRequest('continue', { threadId: again.threadId });
    await second;
    const notice = controller!.panelState().notice;
    assert.equal(notice?.level, 'error');
    assert.match(notice?.text ?? '', /OrderRejected: order o-2 has no customer/);
    assert.match(notice?.text ?? '', new RegExp(`handleOrder\\.ts:${throwLine}`), 'the stack is mapped to the .ts source');
    await screenshot('handler-error');
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'deadLetter', 'no customer');
    const [dlq] = await readAll(`${topic}.dead-letter`, 1);
    const envelope = JSON.parse(dlq.value?.toString() ?? '{}') as { original_offset: number; error_type: string; error_message: string };
    assert.equal(envelope.original_offset, 1);
    assert.equal(envelope.error_type, 'OrderRejected');
    await waitFor('offset 1 committed after the DLQ write', 20_000, async () => ((await committed()) === 2 ? true : undefined));
    await reader.close();

    // Stopping the debug session stops the consumer session gracefully.
    const debugSession = api.handlers.handlerOf(id)?.debugSession;
    assert.ok(debugSession);
    await vscode.debug.stopDebugging(debugSession);
    await waitFor('the consumer session to stop', 30_000, () => (api.sessions.manager.get(id) ? undefined : true));
  });
});
