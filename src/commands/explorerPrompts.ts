import * as vscode from 'vscode';
import type { NewTopicSpec } from '../core/kafka/admin';
import type { GroupOffsetRow } from '../core/kafka/groupInfo';
import type { ResetPlan, ResetScope, ResetTarget, TopicPartitionRef } from '../core/kafka/offsetReset';
import { parseResetTarget, previewRow, previewSummary, type TargetKind } from '../core/kafka/resetInput';
import {
  type Parsed,
  parsePartitionCount,
  parseReplicationFactor,
  parseTopicConfigs,
  topicNameProblem,
} from '../core/kafka/topicInput';

const BACK = Symbol('back');

interface StepOptions {
  readonly title: string;
  readonly step: number;
  readonly totalSteps: number;
  readonly prompt: string;
  readonly value?: string;
  readonly placeholder?: string;
  /** A message when the value cannot be accepted. */
  readonly validate: (value: string) => string | undefined;
}

/** One step of a multi-step input: Enter accepts a valid value, Back returns to the previous step, Escape cancels. */
function inputStep(options: StepOptions): Promise<string | typeof BACK | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    box.title = options.title;
    box.step = options.step;
    box.totalSteps = options.totalSteps;
    box.prompt = options.prompt;
    box.value = options.value ?? '';
    box.placeholder = options.placeholder;
    box.ignoreFocusOut = true;
    if (options.step > 1) box.buttons = [vscode.QuickInputButtons.Back];
    let settled = false;
    const finish = (value: string | typeof BACK | undefined): void => {
      if (settled) return;
      settled = true;
      resolve(value);
      box.dispose();
    };
    box.onDidTriggerButton((button) => {
      if (button === vscode.QuickInputButtons.Back) finish(BACK);
    });
    // Said while typing, but an empty box stays quiet until Enter.
    box.onDidChangeValue((value) => (box.validationMessage = value ? options.validate(value) : undefined));
    box.onDidAccept(() => {
      const problem = options.validate(box.value);
      if (problem) box.validationMessage = problem;
      else finish(box.value);
    });
    box.onDidHide(() => finish(undefined));
    box.show();
  });
}

const messageOf = <T>(parsed: Parsed<T>): string | undefined => (parsed.ok ? undefined : parsed.message);

/** Create Topic: name, partitions, replication factor, configs. `existing` names are refused as typed (it may fill in late). */
export async function promptNewTopic(
  clusterName: string,
  existing: ReadonlySet<string>,
): Promise<NewTopicSpec | undefined> {
  const title = `Create topic on ${clusterName}`;
  const values = ['', '1', '1', ''];
  const steps: Array<Omit<StepOptions, 'title' | 'step' | 'totalSteps' | 'value'>> = [
    {
      prompt: 'Topic name (letters, digits, ".", "_", "-")',
      placeholder: 'e.g. orders.v1',
      validate: (v) =>
        topicNameProblem(v) ?? (existing.has(v) ? `A topic named "${v}" already exists on ${clusterName}.` : undefined),
    },
    { prompt: 'Number of partitions', validate: (v) => messageOf(parsePartitionCount(v)) },
    {
      prompt: 'Replication factor (at most the number of brokers)',
      validate: (v) => messageOf(parseReplicationFactor(v)),
    },
    {
      prompt: 'Topic configs (optional): key=value pairs separated by spaces',
      placeholder: 'e.g. retention.ms=86400000 cleanup.policy=compact',
      validate: (v) => messageOf(parseTopicConfigs(v)),
    },
  ];
  for (let i = 0; i < steps.length;) {
    const answer = await inputStep({ ...steps[i], title, step: i + 1, totalSteps: steps.length, value: values[i] });
    if (answer === undefined) return undefined;
    if (answer === BACK) {
      i = Math.max(0, i - 1);
      continue;
    }
    values[i++] = answer;
  }
  const [partitions, replicationFactor, configs] = [
    parsePartitionCount(values[1]),
    parseReplicationFactor(values[2]),
    parseTopicConfigs(values[3]),
  ];
  if (!partitions.ok || !replicationFactor.ok || !configs.ok) return undefined; // validated above; unreachable
  return {
    name: values[0],
    partitions: partitions.value,
    replicationFactor: replicationFactor.value,
    configs: configs.value,
  };
}

/** Delete Topic: the user types the topic's name. */
export async function confirmTopicDeletion(topic: string, clusterName: string): Promise<boolean> {
  const answer = await vscode.window.showInputBox({
    title: `Delete topic "${topic}" on ${clusterName}`,
    prompt: `This deletes the topic and every message in it; it cannot be undone. Type the topic name to confirm.`,
    placeHolder: topic,
    ignoreFocusOut: true,
    validateInput: (v) =>
      v === topic
        ? undefined
        : topic.startsWith(v)
          ? { message: `Type "${topic}" exactly to delete it.`, severity: vscode.InputBoxValidationSeverity.Info }
          : `That is not "${topic}". Type the topic name exactly to delete it.`,
  });
  return answer === topic;
}

type ScopeItem = vscode.QuickPickItem & { readonly scope?: ResetScope['kind'] };

/** What the reset prompts read from the cluster. */
export interface ResetScopeSource {
  /** The group's partitions as the explorer shows them (committed or assigned). */
  readonly rows: readonly GroupOffsetRow[];
  /** Every topic of the cluster (for a topic the group has not consumed yet). */
  readonly topics: () => Promise<string[]>;
  /** Every partition of these topics, with the group's committed offset or none. */
  readonly partitions: (topics: readonly string[]) => Promise<GroupOffsetRow[]>;
}

/** Reset, step 1: which partitions. */
export async function pickResetScope(title: string, source: ResetScopeSource): Promise<ResetScope | undefined> {
  const groupTopics = [...new Set(source.rows.map((r) => r.topic))];
  const committed = source.rows.filter((r) => r.committed !== null).length;
  const scopeItems: ScopeItem[] = [
    {
      label: '$(organization) Whole group',
      description: `${committed} partition${committed === 1 ? '' : 's'} with a committed offset`,
      scope: 'group',
    },
    { label: '$(symbol-event) One topic…', description: 'every partition of a topic', scope: 'topic' },
    { label: '$(symbol-number) Chosen partitions…', description: 'pick partitions from a list', scope: 'partitions' },
  ];
  const step = `${title} (1/3)`;
  const kind = (
    await vscode.window.showQuickPick(scopeItems, {
      title: step,
      placeHolder: 'Which partitions to reset',
      ignoreFocusOut: true,
    })
  )?.scope;
  if (!kind) return undefined;
  if (kind === 'group') return { kind: 'group' };
  let topics = groupTopics;
  if (kind === 'topic' || groupTopics.length === 0) {
    const all = await source.topics();
    const others = all.filter((t) => !groupTopics.includes(t));
    const topicItems: vscode.QuickPickItem[] = [
      ...(groupTopics.length
        ? [
            { label: 'Topics of this group', kind: vscode.QuickPickItemKind.Separator },
            ...groupTopics.map((t) => ({ label: t })),
          ]
        : []),
      ...(others.length
        ? [{ label: 'Other topics', kind: vscode.QuickPickItemKind.Separator }, ...others.map((t) => ({ label: t }))]
        : []),
    ];
    const topic = await vscode.window.showQuickPick(topicItems, {
      title: step,
      placeHolder: kind === 'topic' ? 'Topic whose partitions to reset' : 'Topic to choose partitions from',
      ignoreFocusOut: true,
    });
    if (!topic) return undefined;
    if (kind === 'topic') return { kind: 'topic', topic: topic.label };
    topics = [topic.label];
  }
  const items = (await source.partitions(topics)).map((r) => ({
    label: `${r.topic} [${r.partition}]`,
    description:
      r.committed === null
        ? `no committed offset · end ${r.end}`
        : `committed ${r.committed} · end ${r.end} · lag ${r.lag ?? 0}`,
    ref: { topic: r.topic, partition: r.partition } satisfies TopicPartitionRef,
  }));
  const picked = await vscode.window.showQuickPick(items, {
    title: step,
    placeHolder: 'Partitions to reset (Space selects, Enter continues)',
    canPickMany: true,
    ignoreFocusOut: true,
  });
  if (!picked || picked.length === 0) return undefined;
  return { kind: 'partitions', partitions: picked.map((p) => p.ref) };
}

/** Reset, step 2: where to. */
export async function pickResetTarget(title: string): Promise<ResetTarget | undefined> {
  const kinds: Array<vscode.QuickPickItem & { target: TargetKind; prompt?: string; placeholder?: string }> = [
    {
      label: '$(debug-step-back) Earliest',
      description: 'the oldest message still kept (low watermark)',
      target: 'earliest',
    },
    {
      label: '$(debug-step-over) Latest',
      description: 'after the newest message (skip everything so far)',
      target: 'latest',
    },
    {
      label: '$(calendar) Timestamp…',
      description: 'the first message at or after a time',
      target: 'timestamp',
      prompt: 'Time: ISO 8601 (e.g. 2025-01-31T14:00:00Z; without a zone it is local time) or epoch milliseconds',
      placeholder: new Date(Date.now() - 3_600_000).toISOString(),
    },
    {
      label: '$(symbol-number) Offset…',
      description: 'the same offset on every chosen partition',
      target: 'offset',
      prompt: "Offset (clamped to each partition's low and high watermark)",
      placeholder: '0',
    },
    {
      label: '$(arrow-swap) Shift by ±N…',
      description: 'move from the committed offset',
      target: 'shiftBy',
      prompt: 'Messages to shift by: negative re-reads, positive skips (e.g. -100)',
      placeholder: '-100',
    },
  ];
  const chosen = await vscode.window.showQuickPick(kinds, {
    title: `${title} (2/3)`,
    placeHolder: 'Reset to',
    ignoreFocusOut: true,
  });
  if (!chosen) return undefined;
  if (!chosen.prompt) {
    const parsed = parseResetTarget(chosen.target);
    return parsed.ok ? parsed.value : undefined;
  }
  const text = await vscode.window.showInputBox({
    title: `${title} (2/3)`,
    prompt: chosen.prompt,
    placeHolder: chosen.placeholder,
    ignoreFocusOut: true,
    validateInput: (v) => messageOf(parseResetTarget(chosen.target, v)),
  });
  if (text === undefined) return undefined;
  const parsed = parseResetTarget(chosen.target, text);
  return parsed.ok ? parsed.value : undefined;
}

type PreviewItem = vscode.QuickPickItem & { readonly action: 'apply' | 'cancel' | 'row' };

/**
 * Reset, step 3: the preview. One line per partition (current → new, delta; "none" where there is no
 * committed offset); nothing is committed unless Apply is chosen. Choosing a row does nothing.
 */
export function confirmResetPreview(title: string, plan: ResetPlan, warning?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick<PreviewItem>();
    pick.title = `${title} (3/3)`;
    pick.placeholder = warning ?? 'Preview: nothing is committed until you choose Apply';
    pick.matchOnDescription = true;
    pick.ignoreFocusOut = true;
    const apply: PreviewItem = { label: '$(check) Apply', description: previewSummary(plan.rows), action: 'apply' };
    pick.items = [
      apply,
      { label: '$(close) Cancel', description: 'change nothing', action: 'cancel' },
      { label: 'preview', kind: vscode.QuickPickItemKind.Separator, action: 'row' },
      ...plan.rows.map((row): PreviewItem => ({
        ...previewRow(row),
        iconPath: new vscode.ThemeIcon(row.delta === 0 ? 'circle-small' : 'arrow-right'),
        action: 'row',
      })),
    ];
    pick.activeItems = [apply];
    let settled = false;
    const finish = (applied: boolean): void => {
      if (settled) return;
      settled = true;
      resolve(applied);
      pick.dispose();
    };
    pick.onDidAccept(() => {
      const item = pick.selectedItems[0] ?? pick.activeItems[0];
      if (item?.action === 'apply') finish(true);
      else if (item?.action === 'cancel') finish(false);
    });
    pick.onDidHide(() => finish(false));
    pick.show();
  });
}

export async function confirmGroupDeletion(groupId: string, clusterName: string): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    `Delete consumer group "${groupId}" on ${clusterName}?`,
    {
      modal: true,
      detail:
        'Its committed offsets are deleted too: a consumer that joins the group later starts from its auto.offset.reset position. A group with active members cannot be deleted.',
    },
    'Delete Group',
  );
  return answer === 'Delete Group';
}
