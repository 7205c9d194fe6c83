import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { KafkaLabApi } from '../../../src/container';
import { services, uniqueName, waitFor } from '../../support/services';
import { evaluateIn, screenshot } from '../support/browser';

// The "Get started with Kafka Consumer Lab" walkthrough on VS Code's own Welcome page: its steps tick
// as the user does them (connect a cluster, browse a topic, decide a message in a stepping session),
// read from the workbench's DOM through the runner's browser, not from the extension's own state.

// The Kafka helpers load the native client: required lazily (the activation suite checks that
// activating the extension does not load it).
const kafkaSupport = () => import('../../support/kafka');

const EXTENSION_ID = 'kafka-consumer-lab.kafka-consumer-lab';
const WALKTHROUGH = `${EXTENSION_ID}#kafkaLab.getStarted`;
const STEPS = ['connect', 'browse', 'step', 'debug', 'redrive', 'generate'];

const workbench = <T>(expression: string) => evaluateIn<T>('workbench', expression);

interface StepFacts {
  readonly id: string;
  readonly checked: boolean;
  readonly title: string;
}

/** The walkthrough's steps as the Welcome page shows them, with their ticks (aria-checked). */
const STEP_FACTS = `[...document.querySelectorAll('button.getting-started-step')]
  .filter((b) => (b.getAttribute('data-step-id') ?? '').startsWith(${JSON.stringify(WALKTHROUGH + '#')}))
  .map((b) => ({
    id: (b.getAttribute('data-step-id') ?? '').slice(${WALKTHROUGH.length + 1}),
    checked: b.getAttribute('aria-checked') === 'true',
    title: (b.querySelector('.step-title')?.textContent ?? '').trim(),
  }))`;

async function steps(): Promise<Map<string, StepFacts>> {
  const facts = await workbench<StepFacts[]>(STEP_FACTS);
  return new Map((facts ?? []).map((s) => [s.id, s]));
}

async function ticked(step: string): Promise<void> {
  await waitFor(`the "${step}" step ticked`, 20_000, async () =>
    (await steps()).get(step)?.checked ? true : undefined,
  );
}

async function child(api: KafkaLabApi, parent: vscode.TreeItem | undefined, label: string): Promise<vscode.TreeItem> {
  const children = ((await api.clustersTree.getChildren(parent)) ?? []) as vscode.TreeItem[];
  const found = children.find((c) => c.label === label);
  assert.ok(found, `no ${label} under ${String(parent?.label ?? 'the root')}`);
  return found;
}

describe('the getting-started walkthrough in a real VS Code', function () {
  this.timeout(120_000);
  let api: KafkaLabApi;
  let clusterId: string | undefined;
  let topic: string | undefined;
  let sessionId: string | undefined;
  let viewerId: string | undefined;
  let generated: string | undefined;

  before(async () => {
    api = await vscode.extensions.getExtension<KafkaLabApi>(EXTENSION_ID)!.activate();
    // Earlier suites in this window did these steps already: start from a clean slate.
    await api.walkthrough.reset();
    await vscode.commands.executeCommand('resetGettingStartedProgress');
  });

  after(async () => {
    if (sessionId) await vscode.commands.executeCommand('kafkaLab.stopSession', sessionId);
    if (viewerId) api.viewers.get(viewerId)?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (generated) fs.rmSync(generated, { recursive: true, force: true });
    if (clusterId) await vscode.commands.executeCommand('kafkaLab.removeCluster', clusterId, { confirmed: true });
    if (topic) await (await kafkaSupport()).deleteTopicsQuietly(topic, `${topic}.dead-letter`);
  });

  it('lists its steps unticked, then ticks connect, browse, step and generate as they are done; the others stay open', async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    const initial = await waitFor('the walkthrough on the Welcome page', 20_000, async () => {
      const shown = await steps();
      return shown.size === STEPS.length ? shown : undefined;
    });
    assert.deepEqual([...initial.keys()], STEPS);
    for (const step of initial.values()) assert.equal(step.checked, false, `${step.id} is ticked before it was done`);
    assert.equal(initial.get('connect')?.title, 'Connect a cluster');
    await screenshot('walkthrough-start');

    // 1. Connect: the Clusters view lists the cluster's topics.
    const { createTopic, produceSequence, committedOffsets } = await kafkaSupport();
    topic = uniqueName('ext-walkthrough');
    await createTopic(topic, 1);
    await produceSequence(topic, 3, { keys: 3 });
    clusterId = await vscode.commands.executeCommand<string>('kafkaLab.addCluster', {
      name: 'Walkthrough test',
      bootstrapServers: services.kafka.plaintext,
    });
    const topics = await child(api, await child(api, undefined, 'Walkthrough test'), 'Topics');
    const node = await child(api, topics, topic);
    await ticked('connect');

    // 2. Browse: the topic opens in the viewer.
    viewerId = await vscode.commands.executeCommand<string>('kafkaLab.viewMessages', node, {
      start: { kind: 'beginning' },
    });
    assert.ok(viewerId);
    // The viewer opened over the Welcome page: bring the walkthrough back to read its ticks.
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    await ticked('browse');

    // 3. Step: a stepping session, and one decision.
    const groupId = uniqueName('ext-walkthrough-group');
    sessionId = await vscode.commands.executeCommand<string>('kafkaLab.startSession', {
      clusterId,
      groupId,
      topics: [topic],
      mode: 'stepping',
      commitPolicy: { kind: 'perMessage' },
    });
    assert.ok(sessionId);
    const id = sessionId;
    await waitFor('the first message waiting', 30_000, () =>
      api.sessions.manager.get(id)?.current?.offset === 0 ? true : undefined,
    );
    await vscode.commands.executeCommand('kafkaLab.sessionDecide', id, 'commit');
    await waitFor('offset 1 committed', 20_000, async () =>
      (await committedOffsets(groupId, topic!)).get(0) === 1 ? true : undefined,
    );
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    await ticked('step');

    // 6. Generate, from the running session (its settings): a cancelled run ticks nothing.
    const controller = api.sessions.manager.get(id);
    assert.ok(controller);
    const cancelled = Promise.resolve(vscode.commands.executeCommand('kafkaLab.generateConsumerProject', controller));
    await waitFor('the language prompt', 20_000, async () =>
      (await workbench<boolean>(
        `!!document.querySelector('.quick-input-widget:not([style*="display: none"]) .quick-input-list')`,
      ))
        ? true
        : undefined,
    );
    await screenshot('walkthrough-generate');
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(await cancelled, undefined);
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    await waitFor('the walkthrough shown again', 20_000, async () => ((await steps()).size ? true : undefined));
    assert.equal((await steps()).get('generate')?.checked, false, 'a cancelled generation ticked its step');
    // Accepting every default prompt writes the project.
    const done = Promise.resolve(
      vscode.commands.executeCommand<{ folder: string; files: string[] } | undefined>(
        'kafkaLab.generateConsumerProject',
        controller,
      ),
    );
    const result = await waitFor('the project written', 60_000, async () => {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return Promise.race([done, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 500))]);
    });
    generated = result.folder;
    assert.ok(
      fs.existsSync(path.join(result.folder, '.vscode', 'launch.json')),
      'the project has its launch configuration',
    );
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    await ticked('generate');

    const after = await steps();
    assert.equal(after.get('debug')?.checked, false, 'debugging was not done, yet its step is ticked');
    assert.equal(after.get('redrive')?.checked, false, 're-driving was not done, yet its step is ticked');
    await screenshot('walkthrough-progress');
  });
});
