import * as vscode from 'vscode';
import {
  type DeliveryAnswers,
  defaultTransactionalIdPrefix,
  deliveryAnswers,
  deliveryOptions,
  outputLoopProblem,
  parseTopicList,
  transactionalIdPrefixProblem,
} from '../core/session/deliveryChoice';
import type { KafkaAdmin } from '../core/kafka/admin';
import { withProgress } from './progress';

/** What the delivery prompts need to know about the session being started. */
export interface DeliveryContext {
  readonly title: string;
  readonly clusterName: string;
  readonly admin: KafkaAdmin;
  readonly groupId: string;
  /** The topics the session consumes (never offered as outputs). */
  readonly inputTopics: readonly string[];
}

/**
 * The delivery guarantee, and for exactly-once the output topics (picked from the cluster's
 * topics, or typed) and the transactional id prefix (the group's default shown as the value).
 * Undefined when cancelled.
 */
export async function askDelivery(context: DeliveryContext): Promise<DeliveryAnswers | undefined> {
  const { title, admin, groupId } = context;
  const support = await admin.transactionSupport(context.clusterName).catch(() => undefined);
  const choice = await vscode.window.showQuickPick(
    deliveryOptions(support?.problem).map((o) => ({ ...o })),
    { title, placeHolder: 'Delivery guarantee' },
  );
  if (!choice) return undefined;
  if (choice.delivery === 'at-least-once') return deliveryAnswers(groupId, 'at-least-once', [], undefined);

  const outputTopics = await askOutputTopics(context);
  if (!outputTopics) return undefined;
  const fallback = defaultTransactionalIdPrefix(groupId);
  const prefix = await vscode.window.showInputBox({
    title,
    prompt: `Transactional id prefix: member n uses <prefix>-<n>. A second session with the same prefix fences this one. Default for the group: ${fallback}`,
    value: fallback,
    validateInput: (v) => transactionalIdPrefixProblem(v),
  });
  if (prefix === undefined) return undefined;
  return deliveryAnswers(groupId, 'exactly-once', outputTopics, prefix);
}

const TYPED = '$(edit) Other topics, typed…';

/** Existing topics to pick (inputs and internal ones left out), and a way to type others. Empty: none. */
async function askOutputTopics(context: DeliveryContext): Promise<string[] | undefined> {
  const { title, admin, inputTopics } = context;
  const topics = (await admin.listTopics({ includeInternal: false }))
    .map((t) => t.name)
    .filter((name) => !inputTopics.includes(name))
    .sort();
  const picked = await vscode.window.showQuickPick(
    [
      { label: TYPED, description: 'name topics that are not listed (missing ones can be created)', typed: true },
      ...topics.map((name) => ({ label: name, typed: false })),
    ],
    {
      title,
      placeHolder: 'Output topics: where the handler writes, inside the transaction (pick none if it writes nothing)',
      canPickMany: true,
    },
  );
  if (!picked) return undefined;
  const chosen = picked.filter((p) => !p.typed).map((p) => p.label);
  if (!picked.some((p) => p.typed)) return chosen;
  const typed = await vscode.window.showInputBox({
    title,
    prompt: 'Output topic names, separated by commas',
    validateInput: (v) => {
      const parsed = parseTopicList(v);
      if ('error' in parsed) return parsed.error;
      return outputLoopProblem(parsed.topics, inputTopics);
    },
  });
  if (typed === undefined) return undefined;
  const parsed = parseTopicList(typed);
  if ('error' in parsed) throw new Error(parsed.error);
  return [...new Set([...chosen, ...parsed.topics])];
}

/**
 * Missing output topics: created when asked, or after asking (`silent`: nothing is asked); otherwise
 * the start does not go on. New ones get the first input topic's partitions and replication factor.
 */
export async function ensureOutputTopics(
  admin: KafkaAdmin,
  logger: { info(message: string): void },
  inputs: readonly string[],
  outputs: readonly string[],
  options: { readonly create: boolean; readonly silent: boolean },
): Promise<void> {
  const existing = new Map((await admin.listTopics({ includeInternal: false })).map((t) => [t.name, t]));
  const missing = outputs.filter((t) => !existing.has(t));
  if (missing.length === 0) return;
  const many = missing.length > 1;
  const names = missing.map((t) => `"${t}"`).join(', ');
  const consequence = `the broker does not create topics on its own, so every output to ${many ? 'them' : 'it'} would fail its input message`;
  let go = options.create;
  if (!go && !options.silent) {
    const choice = await vscode.window.showWarningMessage(
      `The output topic${many ? 's' : ''} ${names} ${many ? 'do' : 'does'} not exist: ${consequence}.`,
      'Create',
    );
    go = choice === 'Create';
  }
  if (!go)
    throw new Error(
      `The output topic${many ? 's' : ''} ${names} ${many ? 'do' : 'does'} not exist (${consequence}). Create ${many ? 'them' : 'it'} first, or choose existing topics.`,
    );
  const source = existing.get(inputs[0] ?? '');
  await withProgress(`Creating ${missing.join(', ')}…`, async () => {
    for (const name of missing)
      await admin.createTopic({
        name,
        partitions: source?.partitions ?? 1,
        replicationFactor: source?.replicationFactor ?? 1,
      });
  });
  logger.info(`created output topic(s) ${missing.join(', ')}`);
}
