import * as os from 'node:os';
import * as vscode from 'vscode';
import { pickCluster } from './clusterPicker';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import type { CommitPolicy } from '../core/engine/commitPolicy';
import type { SeekTarget, SessionMode } from '../core/engine/types';
import { parseTimestamp } from '../core/kafka/resetInput';
import type { Logger } from '../core/logging';
import { describeRunUntil, isRunUntilCondition, type RunUntilCondition } from '../core/session/runUntil';
import type { PanelAction } from '../core/session/panelState';
import { dlqTopicFor, type SessionController, type SessionSpec } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import type { ClusterClients } from '../platform/clusterClients';
import type { ClusterStore } from '../platform/clusterStore';
import { SessionPanel, type SessionPanelAction } from '../webviews/sessionPanel/sessionPanel';
import { MemberNode, type SessionNode, SessionPartitionNode } from '../views/sessionsView';

/** The start flow's answers, also accepted as an argument (tests, other extensions): no prompts then. */
export interface StartSessionArgs {
  readonly clusterId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly autoOffsetReset?: 'earliest' | 'latest';
  readonly mode?: 'stepping' | 'running';
  readonly handler?: 'noop' | 'log';
  readonly commitPolicy?: CommitPolicy;
  /** `{topic}` stands for each source topic; default `{topic}.dead-letter`. */
  readonly dlqTopic?: string;
  /** Create missing dead-letter topics (with arguments nothing is asked: without this they stay missing). */
  readonly createDlqTopics?: boolean;
  readonly members?: number;
  /** Join even though the group has live members (the prompt warns first). */
  readonly confirmed?: boolean;
  /** Do not open the panel (tests that only need the engine). */
  readonly noPanel?: boolean;
}

export interface SessionCommandDeps {
  readonly manager: SessionManager;
  readonly store: ClusterStore;
  readonly clients: ClusterClients;
  readonly extensionUri: vscode.Uri;
  readonly logger: Logger;
  readonly showLog: () => void;
}

type SessionRef = string | SessionNode | MemberNode | SessionPartitionNode | undefined;
interface TopicLike {
  readonly cluster: ClusterSettings;
  readonly topic: { readonly name: string } | string;
}
interface GroupLike {
  readonly cluster: ClusterSettings;
  readonly group: { readonly groupId: string };
}

const isTopicNode = (x: unknown): x is TopicLike => typeof x === 'object' && x !== null && 'cluster' in x && 'topic' in x && (x as { kind?: string }).kind === 'topic';
const isGroupNode = (x: unknown): x is GroupLike => typeof x === 'object' && x !== null && 'cluster' in x && 'group' in x && (x as { kind?: string }).kind === 'group';
const isStartArgs = (x: unknown): x is StartSessionArgs => typeof x === 'object' && x !== null && typeof (x as StartSessionArgs).clusterId === 'string' && typeof (x as StartSessionArgs).groupId === 'string';

/** A suggested group id for a developer's own session: `<user>-dev-<topic>`. */
export function suggestedGroupId(topic: string): string {
  let user = 'dev';
  try {
    user = os.userInfo().username || user;
  } catch {
    // No user name: keep the default.
  }
  return `${user.replace(/[^A-Za-z0-9._-]/g, '')}-dev-${topic}`.slice(0, 200);
}

/**
 * Consumer sessions from the UI: the start flow, the panels (one per session), the Sessions view's
 * context actions, and the notifications for a session's problems.
 */
export class SessionCommands implements vscode.Disposable {
  private readonly panels = new Map<string, SessionPanel>();
  private readonly lastProblem = new Map<string, number>();
  private readonly unsubscribe: () => void;

  constructor(private readonly deps: SessionCommandDeps) {
    // A running session changes with every message: panel states are built at most every 50 ms.
    const pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    const onChanged = (controller: SessionController | undefined) => {
      if (controller) pending.add(controller.id);
      else for (const [id, panel] of this.panels) if (!deps.manager.get(id)) panel.dispose();
      timer ??= setTimeout(() => {
        timer = undefined;
        for (const id of pending) {
          const c = deps.manager.get(id);
          if (c) this.panels.get(id)?.update(c.panelState());
        }
        pending.clear();
      }, 50);
    };
    const onProblem = (controller: SessionController, problem: { kind: string; message: string }) => {
      // One notification per kind and session every 10 s: a broker outage must not flood the screen.
      const key = `${controller.id}/${problem.kind}`;
      const now = Date.now();
      if ((this.lastProblem.get(key) ?? 0) > now - 10_000) return;
      this.lastProblem.set(key, now);
      deps.logger.warn(`${controller.id} (${controller.spec.groupId}): ${problem.message}`);
      const actions = problem.kind === 'deadLetterFailed' ? ['Retry', 'Show Log'] : ['Show Log'];
      void vscode.window.showErrorMessage(`Kafka session ${controller.spec.groupId}: ${problem.message}`, ...actions).then((choice) => {
        if (choice === 'Show Log') deps.showLog();
        if (choice === 'Retry') {
          const count = controller.retryDeadLetters();
          if (count === 0) void vscode.window.showInformationMessage('No dead-letter write is waiting for a retry any more.');
        }
      });
    };
    deps.manager.on('changed', onChanged);
    deps.manager.on('problem', onProblem);
    this.unsubscribe = () => {
      clearTimeout(timer);
      deps.manager.off('changed', onChanged);
      deps.manager.off('problem', onProblem);
    };
  }

  /** The commands, for the command table. */
  table() {
    return {
      'kafkaLab.startSession': (arg?: unknown) => this.start(arg),
      'kafkaLab.showSessionPanel': (ref?: SessionRef) => this.showPanel(ref),
      'kafkaLab.sessionDecide': (ref: SessionRef, action: PanelAction, reason?: string) => this.decide(ref, action, reason),
      'kafkaLab.stepSession': (ref?: SessionRef) => this.decide(ref, 'next'),
      'kafkaLab.pauseSession': (ref?: SessionRef) => this.controller(ref).pause(),
      'kafkaLab.resumeSession': (ref?: SessionRef) => this.controller(ref).resume(),
      'kafkaLab.commitSessionNow': (ref?: SessionRef) => this.commitNow(ref),
      'kafkaLab.setSessionMode': (ref?: SessionRef, mode?: SessionMode) => this.setMode(ref, mode),
      'kafkaLab.setSessionCommitPolicy': (ref?: SessionRef, policy?: CommitPolicy) => this.setCommitPolicy(ref, policy),
      'kafkaLab.seekSessionPartition': (ref?: SessionRef, topic?: string, partition?: number, target?: SeekTarget) => this.seek(ref, topic, partition, target),
      'kafkaLab.addSessionMember': (ref?: SessionRef) => this.withProgress('Adding a member (the group rebalances)…', () => this.controller(ref).addMember()),
      'kafkaLab.removeSessionMember': (ref?: SessionRef) => this.removeMember(ref),
      'kafkaLab.runSessionUntil': (ref?: SessionRef, condition?: RunUntilCondition) => this.runUntil(ref, condition),
      'kafkaLab.stopSession': (ref?: SessionRef) => this.stop(ref),
    };
  }

  /** The session panel of a session, if open (tests drive it). */
  panel(sessionId: string): SessionPanel | undefined {
    return this.panels.get(sessionId);
  }

  // ---------------------------------------------------------------- starting

  private async start(arg: unknown): Promise<string | undefined> {
    const args = isStartArgs(arg) ? arg : await this.askStart(arg);
    if (!args) return undefined;
    const cluster = this.deps.store.get(args.clusterId);
    if (!cluster) throw new Error(`No saved cluster "${args.clusterId}". Add it in the Clusters view first.`);
    const topics = [...new Set(args.topics.map((t) => t.trim()).filter(Boolean))];
    if (topics.length === 0) throw new Error('Choose at least one topic for the session.');
    const members = args.members ?? 1;
    if (!Number.isInteger(members) || members < 1 || members > 64) throw new Error(`The member count must be a whole number from 1 to 64 (got ${String(members)}).`);
    const spec: SessionSpec = {
      clusterId: cluster.id,
      clusterName: cluster.name,
      groupId: args.groupId.trim(),
      topics,
      autoOffsetReset: args.autoOffsetReset ?? 'earliest',
      mode: args.mode ?? 'stepping',
      handler: args.handler ?? 'noop',
      commitPolicy: args.commitPolicy ?? { kind: 'perMessage' },
      ...(args.dlqTopic ? { dlqTopic: args.dlqTopic } : {}),
      members,
    };
    if (!spec.groupId) throw new Error('The group id is empty; give the session a consumer group id.');
    const admin = await this.deps.clients.admin(cluster);
    // Joining a group with live members takes partitions away from them: say so first.
    const live = await admin.describeGroup(spec.groupId).then(
      (d) => (d.members.length > 0 ? d : undefined),
      () => undefined,
    );
    if (live && !args.confirmed) {
      const choice = await vscode.window.showWarningMessage(
        `Group "${spec.groupId}" has ${live.members.length} live member(s) (${live.state}). Joining it starts a rebalance that takes partitions away from them, and your decisions commit for the whole group.`,
        { modal: true },
        'Join Anyway',
      );
      if (choice !== 'Join Anyway') return undefined;
    }
    // Called with arguments, nothing is asked: missing DLQ topics are created only when asked for.
    await this.ensureDlqTopics(cluster, spec, args.createDlqTopics === true, isStartArgs(arg));
    const controller = await this.withProgress(`Starting a ${spec.mode} session of group ${spec.groupId}…`, () => this.deps.manager.start(spec));
    if (!args.noPanel) this.openPanel(controller);
    return controller.id;
  }

  private async ensureDlqTopics(cluster: ClusterSettings, spec: SessionSpec, create: boolean, silent: boolean): Promise<void> {
    const admin = await this.deps.clients.admin(cluster);
    const existing = new Map((await admin.listTopics({ includeInternal: false })).map((t) => [t.name, t]));
    const missing = [...new Set(spec.topics.map((t) => dlqTopicFor(spec.dlqTopic, t)))].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    let go = create;
    if (!go && silent) {
      this.deps.logger.warn(`dead-letter topic(s) ${missing.join(', ')} missing; dead-letter decisions will wait until they exist`);
      return;
    }
    if (!go) {
      const choice = await vscode.window.showWarningMessage(
        `The dead-letter topic${missing.length > 1 ? 's' : ''} ${missing.map((t) => `"${t}"`).join(', ')} ${missing.length > 1 ? 'do' : 'does'} not exist. A dead-letter decision would stay blocked until ${missing.length > 1 ? 'they exist' : 'it exists'}.`,
        'Create',
        'Continue Without',
      );
      go = choice === 'Create';
    }
    if (!go) return;
    await this.withProgress(`Creating ${missing.join(', ')}…`, async () => {
      for (const name of missing) {
        const source = spec.topics.find((t) => dlqTopicFor(spec.dlqTopic, t) === name);
        const info = source ? existing.get(source) : undefined;
        await admin.createTopic({ name, partitions: 1, replicationFactor: info?.replicationFactor ?? 1 });
      }
    });
  }

  /** The interactive start flow; `from` is the node it was started on (a topic or a consumer group), if any. */
  private async askStart(from: unknown): Promise<StartSessionArgs | undefined> {
    const title = 'Start Consumer Session';
    let cluster: ClusterSettings | undefined = isTopicNode(from) || isGroupNode(from) ? from.cluster : undefined;
    if (!cluster) {
      if (this.deps.store.list().length === 0) throw new Error('No cluster connection yet. Add one in the Clusters view (Kafka: Add Cluster), then start the session.');
      cluster = await pickCluster(this.deps.store, { title, placeHolder: 'Cluster', takeSingle: true });
      if (!cluster) return undefined;
    }
    const admin = await this.deps.clients.admin(cluster);
    const allTopics = (await admin.listTopics()).map((t) => t.name);
    const presetTopic = isTopicNode(from) ? (typeof from.topic === 'string' ? from.topic : from.topic.name) : undefined;
    let groupId = isGroupNode(from) ? from.group.groupId : undefined;
    let preselected = presetTopic ? [presetTopic] : [];
    if (groupId) preselected = [...new Set((await admin.groupOffsets(groupId).catch(() => [])).map((r) => r.topic))];

    const topicItems = allTopics.map((name) => ({ label: name, picked: preselected.includes(name) }));
    const pickedTopics = await vscode.window.showQuickPick(topicItems, { title, placeHolder: 'Topics to consume', canPickMany: true });
    if (!pickedTopics || pickedTopics.length === 0) return undefined;
    const topics = pickedTopics.map((t) => t.label);

    if (!groupId) {
      const groups = await admin.listGroups().catch(() => []);
      const suggestion = suggestedGroupId(topics[0]!);
      const items: Array<vscode.QuickPickItem & { id?: string }> = [
        { label: `$(add) New group: ${suggestion}`, id: suggestion, description: 'suggested' },
        { label: '$(edit) Another new group…' },
        ...groups.map((g) => ({ label: g.groupId, id: g.groupId, description: g.state })),
      ];
      const choice = await vscode.window.showQuickPick(items, { title, placeHolder: 'Consumer group' });
      if (!choice) return undefined;
      groupId = choice.id ?? (await vscode.window.showInputBox({ title, prompt: 'New consumer group id', value: suggestion, validateInput: (v) => (v.trim() ? undefined : 'A group id is needed') }))?.trim();
      if (!groupId) return undefined;
    }

    // The chosen topics only: commits on other topics do not say where these start.
    const hasOffsets = (await admin.groupOffsets(groupId, topics).catch(() => [])).some((r) => r.committed !== null);
    let autoOffsetReset: 'earliest' | 'latest' = 'earliest';
    if (!hasOffsets) {
      const start = await vscode.window.showQuickPick(
        [
          { label: 'Earliest', description: 'from the first message still kept', value: 'earliest' as const },
          { label: 'Latest', description: 'only messages produced from now on', value: 'latest' as const },
        ],
        { title, placeHolder: `Group "${groupId}" has no committed offsets: where should it start?` },
      );
      if (!start) return undefined;
      autoOffsetReset = start.value;
    }

    const mode = await vscode.window.showQuickPick(
      [
        { label: 'Stepping', description: 'one message at a time, you decide each', mode: 'stepping' as const, handler: 'noop' as const },
        { label: 'Running, no-op handler', description: 'consume and mark done, commit by policy', mode: 'running' as const, handler: 'noop' as const },
        { label: 'Running, logging handler', description: 'one log line per message in the Kafka Consumer Lab output', mode: 'running' as const, handler: 'log' as const },
      ],
      { title, placeHolder: 'Mode' },
    );
    if (!mode) return undefined;

    const commitPolicy = await this.askCommitPolicy(title);
    if (!commitPolicy) return undefined;

    const dlq = await vscode.window.showInputBox({
      title,
      prompt: 'Dead-letter topic ({topic} stands for the source topic)',
      value: '{topic}.dead-letter',
      validateInput: (v) => (/^[A-Za-z0-9._{}-]+$/.test(v.trim()) ? undefined : 'Topic names use letters, digits, ".", "_" and "-" (and {topic})'),
    });
    if (dlq === undefined) return undefined;

    const members = await vscode.window.showInputBox({
      title,
      prompt: 'How many members should join the group (1–64)? More members than partitions stay idle.',
      value: '1',
      validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= 64 ? undefined : 'A whole number from 1 to 64'),
    });
    if (members === undefined) return undefined;

    return { clusterId: cluster.id, groupId, topics, autoOffsetReset, mode: mode.mode, handler: mode.handler, commitPolicy, dlqTopic: dlq.trim(), members: Number(members) };
  }

  private async askCommitPolicy(title: string): Promise<CommitPolicy | undefined> {
    const choice = await vscode.window.showQuickPick(
      [
        { label: 'Per message', description: 'commit synchronously after each message is done', batch: false },
        { label: 'Batch', description: 'commit every N messages or T milliseconds, whichever comes first', batch: true },
      ],
      { title, placeHolder: 'Commit policy' },
    );
    if (!choice) return undefined;
    if (!choice.batch) return { kind: 'perMessage' };
    const n = await vscode.window.showInputBox({ title, prompt: 'Commit after this many messages (N)', value: '100', validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 1 ? undefined : 'A whole number of at least 1') });
    if (n === undefined) return undefined;
    const t = await vscode.window.showInputBox({ title, prompt: 'Or after this many milliseconds (T)', value: '5000', validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 10 ? undefined : 'At least 10 ms') });
    if (t === undefined) return undefined;
    return { kind: 'batch', maxMessages: Number(n), maxIntervalMs: Number(t) };
  }

  // ---------------------------------------------------------------- the panel

  private openPanel(controller: SessionController): SessionPanel {
    let panel = this.panels.get(controller.id);
    if (panel && !panel.isDisposed) {
      panel.reveal();
      return panel;
    }
    panel = new SessionPanel(this.deps.extensionUri, controller.id, `Kafka: ${controller.spec.groupId}`, {
      onAction: (action) => this.onPanelAction(controller, action),
      logger: this.deps.logger,
    });
    this.panels.set(controller.id, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(controller.id) === panel) this.panels.delete(controller.id);
    });
    panel.update(controller.panelState());
    this.deps.manager.focus(controller.id);
    return panel;
  }

  private async onPanelAction(controller: SessionController, action: SessionPanelAction): Promise<void> {
    this.deps.manager.focus(controller.id);
    switch (action.type) {
      case 'decide':
        await controller.decide(action.action, { messageId: action.messageId, ...(action.action === 'deadLetter' ? { reason: action.reason } : {}) });
        break;
      case 'pause':
        controller.pause();
        break;
      case 'resume':
        controller.resume();
        break;
      case 'runUntil':
        controller.runUntilMatch(action.condition);
        break;
      case 'cancelRunUntil':
        controller.cancelRunUntil();
        break;
    }
  }

  private showPanel(ref: SessionRef): string {
    const controller = this.controller(ref);
    this.openPanel(controller);
    return controller.id;
  }

  // ---------------------------------------------------------------- context actions

  private controller(ref: SessionRef): SessionController {
    const id = typeof ref === 'string' ? ref : ref ? ref.controller.id : this.deps.manager.active?.id;
    const controller = id ? this.deps.manager.get(id) : undefined;
    if (!controller) throw new Error(id ? `Session ${id} is not running any more.` : 'No consumer session is running. Start one with "Kafka: Start Consumer Session".');
    return controller;
  }

  private async decide(ref: SessionRef, action: PanelAction, reason?: string): Promise<void> {
    const controller = this.controller(ref);
    let why = reason;
    if (action === 'deadLetter' && why === undefined) {
      const current = controller.current;
      why = await vscode.window.showInputBox({
        title: 'Send to the dead-letter topic',
        prompt: current ? `Why does ${current.topic} [${current.partition}] offset ${current.offset} go to the dead-letter topic?` : 'Reason recorded in the dead-letter envelope',
        value: 'rejected by the developer',
      });
      if (why === undefined) return;
    }
    await controller.decide(action, why === undefined ? {} : { reason: why });
  }

  private commitNow(ref: SessionRef): void {
    const controller = this.controller(ref);
    controller.commitNow();
    void vscode.window.setStatusBarMessage(`Kafka: committed what session ${controller.spec.groupId} has done`, 3000);
  }

  private async setMode(ref: SessionRef, mode?: SessionMode): Promise<void> {
    const controller = this.controller(ref);
    const chosen =
      mode ??
      (
        await vscode.window.showQuickPick(
          (['stepping', 'running', 'paused'] as const).map((m) => ({ label: m, description: m === controller.mode ? 'current' : undefined })),
          { title: 'Session mode' },
        )
      )?.label;
    if (chosen) controller.setMode(chosen);
  }

  private async setCommitPolicy(ref: SessionRef, policy?: CommitPolicy): Promise<void> {
    const controller = this.controller(ref);
    const chosen = policy ?? (await this.askCommitPolicy('Commit policy'));
    if (chosen) controller.setCommitPolicy(chosen);
  }

  private async seek(ref: SessionRef, topic?: string, partition?: number, target?: SeekTarget): Promise<number | undefined> {
    const controller = this.controller(ref);
    const where = ref instanceof SessionPartitionNode ? { topic: ref.partition.topic, partition: ref.partition.partition } : topic !== undefined && partition !== undefined ? { topic, partition } : undefined;
    if (!where) throw new Error('Choose a partition in the Sessions view to seek it.');
    let chosen = target;
    if (!chosen) {
      const kind = await vscode.window.showQuickPick(
        [
          { label: 'Offset…', pick: 'offset' as const },
          { label: 'Timestamp…', pick: 'timestamp' as const },
          { label: 'Beginning', pick: 'beginning' as const },
          { label: 'End', pick: 'end' as const },
        ],
        { title: `Seek ${where.topic} [${where.partition}]` },
      );
      if (!kind) return undefined;
      if (kind.pick === 'offset') {
        const v = await vscode.window.showInputBox({ title: 'Seek to offset', validateInput: (x) => (/^\d+$/.test(x.trim()) ? undefined : 'A whole, non-negative offset') });
        if (v === undefined) return undefined;
        chosen = { kind: 'offset', offset: Number(v) };
      } else if (kind.pick === 'timestamp') {
        const v = await vscode.window.showInputBox({
          title: 'Seek to timestamp',
          prompt: 'ISO 8601 (2026-11-29T10:00:00Z) or epoch milliseconds',
          validateInput: (x) => {
            const parsed = parseTimestamp(x);
            return parsed.ok ? undefined : parsed.message;
          },
        });
        if (v === undefined) return undefined;
        const parsed = parseTimestamp(v);
        if (!parsed.ok) throw new Error(parsed.message);
        chosen = { kind: 'timestamp', timestamp: parsed.value };
      } else {
        chosen = kind.pick === 'beginning' ? { kind: 'beginning' } : { kind: 'end' };
      }
    }
    return controller.seek(where.topic, where.partition, chosen);
  }

  private async removeMember(ref: SessionRef): Promise<string> {
    const controller = this.controller(ref);
    const memberId = ref instanceof MemberNode ? ref.member.id : undefined;
    return this.withProgress('Removing a member (it commits what is done and leaves the group)…', () => controller.removeMember(memberId));
  }

  private async runUntil(ref: SessionRef, condition?: RunUntilCondition): Promise<void> {
    const controller = this.controller(ref);
    let chosen = condition;
    if (chosen !== undefined && !isRunUntilCondition(chosen)) throw new Error('That run-until condition is not valid.');
    if (!chosen) chosen = await askCondition();
    if (!chosen) return;
    controller.runUntilMatch(chosen);
    void vscode.window.setStatusBarMessage(`Kafka: running until ${describeRunUntil(chosen)}`, 3000);
  }

  private async stop(ref: SessionRef): Promise<void> {
    const controller = this.controller(ref);
    await this.withProgress(`Stopping session ${controller.spec.groupId} (committing what is done)…`, () => this.deps.manager.stop(controller.id));
    this.panels.get(controller.id)?.dispose();
  }

  private withProgress<T>(title: string, task: () => Promise<T>): Promise<T> {
    return Promise.resolve(vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, task));
  }

  dispose(): void {
    this.unsubscribe();
    for (const panel of this.panels.values()) panel.dispose();
    this.panels.clear();
  }
}

async function askCondition(): Promise<RunUntilCondition | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'Key equals…', pick: 'keyEquals' as const },
      { label: 'JSON path equals…', pick: 'jsonPathEquals' as const },
      { label: 'JSON path contains…', pick: 'jsonPathContains' as const },
      { label: 'Header present…', pick: 'headerPresent' as const },
      { label: 'Offset reached…', pick: 'offsetReached' as const },
      { label: 'A decode error', pick: 'decodeError' as const },
      { label: 'A handler error', pick: 'handlerError' as const },
    ],
    { title: 'Run until…' },
  );
  if (!kind) return undefined;
  const ask = (prompt: string, value = '') => vscode.window.showInputBox({ title: 'Run until…', prompt, value });
  switch (kind.pick) {
    case 'keyEquals': {
      const value = await ask('The key (as text)');
      return value === undefined ? undefined : { kind: 'keyEquals', value };
    }
    case 'jsonPathEquals':
    case 'jsonPathContains': {
      const path = await ask('JSON path in the value, e.g. $.order.status', '$.');
      if (path === undefined) return undefined;
      const value = await ask('Value (JSON or text)');
      return value === undefined ? undefined : { kind: 'jsonPath', path, op: kind.pick === 'jsonPathEquals' ? 'equals' : 'contains', value };
    }
    case 'headerPresent': {
      const name = await ask('Header name');
      return name === undefined ? undefined : { kind: 'headerPresent', name };
    }
    case 'offsetReached': {
      const value = await ask('Offset (on any partition)');
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(value.trim())) throw new Error(`"${value}" is not an offset; use a whole number.`);
      return { kind: 'offsetReached', offset: Number(value) };
    }
    default:
      return { kind: kind.pick };
  }
}
