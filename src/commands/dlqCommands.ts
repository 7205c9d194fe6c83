import * as vscode from 'vscode';
import { detectDeadLetter, isValidTopicName } from '../core/dlq/detect';
import { RedriveError } from '../core/dlq/redriveErrors';
import { RdkafkaRedriveProducer } from '../core/dlq/redriveProducer';
import {
  type RedriveDestination,
  type RedriveEdit,
  type RedriveSummary,
  describeSummary,
  planRedrive,
  positionKey,
  runRedrive,
} from '../core/dlq/redriveRun';
import type { ClusterConnection } from '../core/kafka/connection';
import type { KafkaRecord } from '../core/kafka/record';
import type { Logger } from '../core/logging';
import { type SessionController, dlqTopicFor } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';
import type { RedriveParams } from '../webviews/viewerPanel/protocol';
import type { ViewerPanel } from '../webviews/viewerPanel/viewerPanel';
import type { ViewerPanels } from '../webviews/viewerPanel/viewerPanels';
import type { CommandTable } from './commandTable';
import { SessionRedrive } from './sessionRedrive';
import { reachMilestone } from '../platform/walkthrough';

export interface RedriveDeps {
  connection(): Promise<ClusterConnection>;
  readonly logger: Logger;
}

/** Answers given up front (tests, other commands): then nothing is asked. */
export interface RedriveAnswers {
  readonly destination?: RedriveDestination;
  /** Skip the confirmation (the preview is still logged). */
  readonly confirmed?: boolean;
  readonly edit?: RedriveEdit;
}

/**
 * Re-drive from a viewer: the selected dead letter (optionally edited first) or every one the
 * filter matches; where to (the original topics, or one chosen topic); a preview to confirm; a
 * cancellable progress; and a summary that names what went and what did not.
 */
export async function redriveFromViewer(
  deps: RedriveDeps,
  panel: ViewerPanel,
  params: RedriveParams,
  answers: RedriveAnswers = {},
): Promise<RedriveSummary | undefined> {
  const viewer = panel.viewer;
  const dlqTopic = viewer.options.topic;
  let records: KafkaRecord[];
  let gone = 0;
  if (params.scope === 'selected' && params.edit && !answers.edit) {
    // Edit and re-drive: the producer form, with the original key, value and headers, to the original topic.
    const record = panel.record(params.seq);
    await vscode.commands.executeCommand('kafkaLab.produceCopy', {
      clusterId: panel.clusterId,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      redrive: true,
    });
    return undefined;
  }
  // A selection goes in the dead-letter topic's order, whatever order the rows were marked in.
  if (params.scope === 'selected')
    records = (params.seqs ?? [params.seq])
      .map((seq) => panel.record(seq))
      .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  else {
    const seqs = viewer.matchingSeqs();
    records = [];
    for (const seq of seqs) {
      const record = viewer.record(seq);
      if (record) records.push(record);
      else gone++;
    }
  }
  if (records.length === 0) {
    void vscode.window.showInformationMessage(
      `No message of ${dlqTopic} matches the filter: there is nothing to re-drive. Clear or change the filter.`,
    );
    return undefined;
  }

  let edits: Map<string, RedriveEdit> | undefined;
  if (params.scope === 'selected' && answers.edit && records.length === 1)
    edits = new Map([[positionKey(records[0]!), answers.edit]]);

  const destination = answers.destination ?? (await askDestination(records));
  if (!destination) return undefined;
  const plan = planRedrive(records, destination, edits);
  const where = plan.byTopic.map((t) => `${t.count.toLocaleString()} → ${t.topic}`).join(', ');
  const left = plan.unroutable.length
    ? ` ${plan.unroutable.length} name no original topic and stay where they are.`
    : '';
  const dropped = gone ? ` ${gone} matching message(s) left the buffer meanwhile and are not included.` : '';
  const preview = `Re-drive ${plan.items.length.toLocaleString()} record(s) from ${dlqTopic}: ${where || 'nowhere'}.${left}${dropped}`;
  deps.logger.info(preview);
  if (!answers.confirmed) {
    const choice = await vscode.window.showWarningMessage(
      preview,
      {
        modal: true,
        detail:
          'Each record is written once (acks=all, idempotent) with kafka-lab.redriven-from and kafka-lab.redriven-at headers. The dead-letter topic is not changed and nothing is committed. A failed write stops the run.',
      },
      'Re-drive',
    );
    if (choice !== 'Re-drive') return undefined;
  }

  const producer = new RdkafkaRedriveProducer({ connection: await deps.connection(), logger: deps.logger });
  let summary: RedriveSummary;
  try {
    summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Re-driving from ${dlqTopic}`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        let shown = 0;
        try {
          return await runRedrive(plan, producer, {
            signal: controller.signal,
            onProgress: ({ sent, failed, total }) => {
              // At most a hundred updates, however many records.
              const done = sent + failed;
              if (done - shown < Math.max(1, total / 100) && done !== total) return;
              progress.report({ increment: ((done - shown) / total) * 100, message: `${sent} of ${total} sent` });
              shown = done;
            },
          });
        } finally {
          cancel.dispose();
        }
      },
    );
  } catch (error) {
    if (error instanceof RedriveError) {
      void vscode.window.showErrorMessage(error.message);
      return undefined;
    }
    throw error;
  } finally {
    await producer.close();
  }
  logSummary(deps.logger, summary);
  const text = describeSummary(summary);
  if (summary.sent.length > 0) reachMilestone('redriven');
  if (summary.outcome === 'completed') void vscode.window.showInformationMessage(text);
  else
    void vscode.window.showErrorMessage(text, 'Show Log').then((choice) => {
      if (choice === 'Show Log') void vscode.commands.executeCommand('kafkaLab.showLog');
    });
  return summary;
}

function logSummary(logger: Logger, summary: RedriveSummary): void {
  logger.info(describeSummary(summary));
  for (const f of summary.failed)
    logger.warn(`not acknowledged: ${f.dlq.topic}[${f.dlq.partition}]@${f.dlq.offset} → ${f.topic}: ${f.error}`);
  for (const n of summary.notSent) logger.info(`not sent: ${n.topic}[${n.partition}]@${n.offset}`);
  for (const u of summary.unroutable)
    logger.info(`left: ${u.dlq.topic}[${u.dlq.partition}]@${u.dlq.offset}: ${u.reason}`);
}

async function askDestination(records: readonly KafkaRecord[]): Promise<RedriveDestination | undefined> {
  const originals = new Map<string, number>();
  for (const r of records) {
    const topic = detectDeadLetter(r)?.originalTopic;
    if (topic) originals.set(topic, (originals.get(topic) ?? 0) + 1);
  }
  const items: Array<vscode.QuickPickItem & { destination?: RedriveDestination }> = [];
  if (originals.size > 0)
    items.push({
      label: originals.size === 1 ? `To ${[...originals.keys()][0]}` : 'To their original topics',
      description: [...originals].map(([t, n]) => `${n} → ${t}`).join(', '),
      destination: { kind: 'original' },
    });
  items.push({ label: 'To another topic…', description: 'every record to one topic you name' });
  const picked = await vscode.window.showQuickPick(items, { title: 'Re-drive to', ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.destination) return picked.destination;
  const topic = await vscode.window.showInputBox({
    title: 'Re-drive to the topic',
    prompt: 'An existing topic (the broker does not create topics on write)',
    ignoreFocusOut: true,
    validateInput: (v) =>
      isValidTopicName(v.trim()) ? undefined : 'A topic name: 1 to 249 of a-z, A-Z, 0-9, ".", "_" and "-".',
  });
  return topic ? { kind: 'topic', topic: topic.trim() } : undefined;
}

/** "View Dead Letters" on a session: the viewer on the session's dead-letter topic (it never joins a group). */
export function deadLetterCommands(deps: {
  readonly manager: SessionManager;
  readonly panels: ViewerPanels;
  connectionOf(clusterId: string): Promise<ClusterConnection>;
  readonly logger: Logger;
}) {
  const sessionOf = async (arg: unknown): Promise<SessionController | undefined> => {
    const id =
      typeof arg === 'string'
        ? arg
        : typeof arg === 'object' && arg !== null && 'controller' in arg
          ? (arg as { controller: SessionController }).controller.id
          : undefined;
    if (id !== undefined) {
      const found = deps.manager.get(id);
      if (!found) throw new Error(`Session ${id} is not running any more. Start it again from a topic or group.`);
      return found;
    }
    const sessions = deps.manager.list();
    if (sessions.length === 0) throw new Error('No consumer session is running. Start one from a topic or a group.');
    if (sessions.length === 1) return sessions[0];
    const picked = await vscode.window.showQuickPick(
      sessions.map((s) => ({ label: s.spec.groupId, description: s.spec.topics.join(', '), session: s })),
      { title: 'View the dead letters of which session?' },
    );
    return picked?.session;
  };

  const sessionRedrive = new SessionRedrive(deps);

  return {
    /** Re-drive from the session panel: a message this session dead-lettered, back to its source topic. */
    'kafkaLab.redriveSessionDeadLetter': (args: unknown) => sessionRedrive.redrive(args),
    /** Re-drive from an open viewer by its id, with the answers given (tests; the panel's buttons ask instead). */
    'kafkaLab.redriveDeadLetters': (viewerId: unknown, params: RedriveParams, answers?: RedriveAnswers) => {
      const panel = typeof viewerId === 'string' ? deps.panels.get(viewerId) : undefined;
      if (!panel) throw new Error(`No open viewer ${String(viewerId)}. Open the dead-letter topic in a viewer first.`);
      return redriveFromViewer(
        { connection: () => deps.connectionOf(panel.clusterId), logger: deps.logger },
        panel,
        params,
        answers,
      );
    },
    'kafkaLab.viewDeadLetters': async (arg?: unknown): Promise<string | undefined> => {
      const session = await sessionOf(arg);
      if (!session) return undefined;
      const topics = [...new Set(session.spec.topics.map((t) => dlqTopicFor(session.spec.dlqTopic, t)))];
      const topic =
        topics.length === 1
          ? topics[0]
          : await vscode.window.showQuickPick(topics, { title: 'Which dead-letter topic?' });
      if (!topic) return undefined;
      return vscode.commands.executeCommand<string>('kafkaLab.viewMessages', {
        clusterId: session.spec.clusterId,
        topic,
        start: { kind: 'beginning' },
      });
    },
  } satisfies Partial<CommandTable>;
}
