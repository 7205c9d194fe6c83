import * as vscode from 'vscode';
import { DEFAULT_DEAD_LETTER_REASON } from '../core/engine/failurePath';
import { type CommitPolicy, defaultBatchPolicy } from '../core/engine/commitPolicy';
import { defaultTransactionPolicy } from '../core/engine/sessionConfig';
import type { SeekTarget } from '../core/engine/types';
import { parseTimestamp } from '../core/kafka/resetInput';
import type { RunUntilCondition } from '../core/session/runUntil';

/** The prompts of the session commands and the session panel; each returns undefined when cancelled. */

/** The one dead-letter reason prompt, for the panel's button and for the command. */
export function askDeadLetterReason(
  message: { readonly topic: string; readonly partition: number; readonly offset: number } | undefined,
): Thenable<string | undefined> {
  const where = message ? `offset ${message.offset} of ${message.topic} [${message.partition}]` : 'the message';
  return vscode.window.showInputBox({
    title: `Send ${where} to the dead-letter topic`,
    prompt: 'Why? The reason is written into the dead-letter envelope (error_message).',
    value: DEFAULT_DEAD_LETTER_REASON,
    ignoreFocusOut: true,
    validateInput: (value) => (value.trim().length === 0 ? 'Give a reason, or press Escape to cancel.' : undefined),
  });
}

/**
 * How often to commit. `transactions` (exactly-once): how often a transaction commits, batched by
 * default (500 messages / 100 ms).
 */
export async function askCommitPolicy(
  title: string,
  options: { readonly transactions?: boolean } = {},
): Promise<CommitPolicy | undefined> {
  const txn = options.transactions === true;
  const defaults = txn ? defaultTransactionPolicy : defaultBatchPolicy;
  const perMessage = {
    label: 'Per message',
    description: txn ? 'one transaction per message' : 'commit synchronously after each message is done',
    batch: false,
  };
  const batch = {
    label: 'Batch',
    description: txn
      ? `one transaction every N messages or T milliseconds (default ${defaults.maxMessages} / ${defaults.maxIntervalMs} ms)`
      : 'commit every N messages or T milliseconds, whichever comes first',
    batch: true,
  };
  const choice = await vscode.window.showQuickPick(txn ? [batch, perMessage] : [perMessage, batch], {
    title,
    placeHolder: txn ? 'Transaction policy: when the open transaction commits' : 'Commit policy',
  });
  if (!choice) return undefined;
  if (!choice.batch) return { kind: 'perMessage' };
  const n = await vscode.window.showInputBox({
    title,
    prompt: txn ? 'Commit the transaction after this many messages (N)' : 'Commit after this many messages (N)',
    value: String(defaults.maxMessages),
    validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 1 ? undefined : 'A whole number of at least 1'),
  });
  if (n === undefined) return undefined;
  const t = await vscode.window.showInputBox({
    title,
    prompt: 'Or after this many milliseconds (T)',
    value: String(defaults.maxIntervalMs),
    validateInput: (v) => (/^\d+$/.test(v) && Number(v) >= 10 ? undefined : 'At least 10 ms'),
  });
  if (t === undefined) return undefined;
  return { kind: 'batch', maxMessages: Number(n), maxIntervalMs: Number(t) };
}

export async function askSeekTarget(topic: string, partition: number): Promise<SeekTarget | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: 'Offset…', pick: 'offset' as const },
      { label: 'Timestamp…', pick: 'timestamp' as const },
      { label: 'Beginning', pick: 'beginning' as const },
      { label: 'End', pick: 'end' as const },
    ],
    { title: `Seek ${topic} [${partition}]` },
  );
  if (!kind) return undefined;
  switch (kind.pick) {
    case 'offset': {
      const v = await vscode.window.showInputBox({
        title: 'Seek to offset',
        validateInput: (x) => (/^\d+$/.test(x.trim()) ? undefined : 'A whole, non-negative offset'),
      });
      return v === undefined ? undefined : { kind: 'offset', offset: Number(v) };
    }
    case 'timestamp': {
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
      return { kind: 'timestamp', timestamp: parsed.value };
    }
    case 'beginning':
      return { kind: 'beginning' };
    case 'end':
      return { kind: 'end' };
  }
}

export async function askRunUntilCondition(): Promise<RunUntilCondition | undefined> {
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
      return value === undefined
        ? undefined
        : { kind: 'jsonPath', path, op: kind.pick === 'jsonPathEquals' ? 'equals' : 'contains', value };
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
