import * as vscode from 'vscode';
import { findDeadLetter } from '../core/dlq/deadLetterLookup';
import { RedriveError } from '../core/dlq/redriveErrors';
import { RdkafkaRedriveProducer } from '../core/dlq/redriveProducer';
import { describeSummary, planRedrive, type RedriveSummary, runRedrive } from '../core/dlq/redriveRun';
import type { ClusterConnection } from '../core/kafka/connection';
import type { Logger } from '../core/logging';
import { dlqTopicFor } from '../core/session/sessionController';
import type { SessionManager } from '../core/session/sessionManager';

/** A message the session dead-lettered, where it was consumed; `confirmed` skips the question a repeat asks. */
export interface SessionRedriveArgs {
  readonly sessionId: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly confirmed?: boolean;
}

export interface SessionRedriveDeps {
  readonly manager: SessionManager;
  connectionOf(clusterId: string): Promise<ClusterConnection>;
  readonly logger: Logger;
}

export function isSessionRedriveArgs(x: unknown): x is SessionRedriveArgs {
  if (typeof x !== 'object' || x === null) return false;
  const a = x as Record<string, unknown>;
  return (
    typeof a.sessionId === 'string' &&
    typeof a.topic === 'string' &&
    Number.isSafeInteger(a.partition) &&
    (a.partition as number) >= 0 &&
    Number.isSafeInteger(a.offset) &&
    (a.offset as number) >= 0 &&
    (a.confirmed === undefined || typeof a.confirmed === 'boolean')
  );
}

/**
 * Re-drive from the session panel: a message this session dead-lettered goes back to the topic it
 * was consumed from, through the same plan and run as the viewer's re-drive (once, acks=all,
 * idempotent, with the kafka-lab.redriven-from / -at headers). Its dead-letter record is found by
 * reading the dead-letter topic by assignment from shortly before the decision (never a group,
 * nothing committed). A second re-drive of the same message in this session asks first.
 */
export class SessionRedrive {
  /** Messages re-driven in this window, by session and position: a repeat is asked about. */
  private readonly done = new Map<string, number>();

  constructor(private readonly deps: SessionRedriveDeps) {}

  async redrive(args: unknown): Promise<RedriveSummary | undefined> {
    if (!isSessionRedriveArgs(args))
      throw new Error('Re-drive needs the session and the dead-lettered message (topic, partition, offset).');
    const controller = this.deps.manager.get(args.sessionId);
    if (!controller)
      throw new Error(
        `The session is not running any more. Open its dead-letter topic in the viewer (View Dead Letters) and re-drive from there.`,
      );
    const where = `${args.topic}[${args.partition}]@${args.offset}`;
    const entry = [...controller.history]
      .reverse()
      .find(
        (e) =>
          e.decision === 'deadLetter' &&
          e.topic === args.topic &&
          e.partition === args.partition &&
          e.offset === args.offset,
      );
    if (!entry)
      throw new Error(
        `${where} was not dead-lettered in this session, so the session panel cannot re-drive it. Open the dead-letter topic in the viewer and re-drive it from there.`,
      );
    const key = `${args.sessionId}\u0000${args.topic}\u0000${args.partition}\u0000${args.offset}`;
    const before = this.done.get(key);
    if (before !== undefined && !args.confirmed) {
      const choice = await vscode.window.showWarningMessage(
        `${where} was re-driven already, at ${new Date(before).toISOString()}. Re-drive it again?`,
        { modal: true, detail: 'The consumer would then see it once more for each re-drive.' },
        'Re-drive Again',
      );
      if (choice !== 'Re-drive Again') return undefined;
    }
    const dlqTopic = dlqTopicFor(controller.spec.dlqTopic, args.topic);
    const connection = await this.deps.connectionOf(controller.spec.clusterId);
    const logger = this.deps.logger;
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Re-driving ${where} from ${dlqTopic}` },
      async (progress) => {
        progress.report({ message: `finding its record in ${dlqTopic}…` });
        const record = await findDeadLetter({
          connection,
          dlqTopic,
          original: { topic: args.topic, partition: args.partition, offset: args.offset },
          since: entry.at,
        });
        if (!record)
          throw new RedriveError(
            'readFailed',
            `The dead-letter record of ${where} is not in ${dlqTopic} any more (deleted or past retention). Nothing was re-driven.`,
          );
        const plan = planRedrive([record], { kind: 'original' });
        logger.info(
          `re-drive from the session panel: ${dlqTopic}[${record.partition}]@${record.offset} → ${plan.byTopic.map((t) => t.topic).join(', ') || 'nowhere'}`,
        );
        progress.report({ message: `sending it to ${args.topic}…` });
        const producer = new RdkafkaRedriveProducer({ connection, logger });
        try {
          return await runRedrive(plan, producer);
        } finally {
          await producer.close();
        }
      },
    );
    const text = describeSummary(summary);
    const landed = summary.sent.map((s) => ` It is at ${s.topic}[${s.partition}]@${s.offset}.`).join('');
    logger.info(`${text}${landed}`);
    for (const f of summary.failed) logger.warn(`not acknowledged: ${where} → ${f.topic}: ${f.error}`);
    if (summary.outcome === 'completed') {
      this.done.set(key, Date.now());
      void vscode.window.showInformationMessage(`Kafka Consumer Lab: ${text}${landed}`);
    } else void vscode.window.showErrorMessage(`Kafka Consumer Lab: ${text}`);
    return summary;
  }
}
