import * as vscode from 'vscode';
import type { PartitionDetail } from '../core/kafka/admin';
import type { StartPosition } from '../core/viewer/types';

const TITLE = 'View Messages';

/** Where a viewer starts, in words (the panel shows it). */
export function describeStart(start: StartPosition): string {
  switch (start.kind) {
    case 'beginning':
      return 'from the beginning';
    case 'end':
      return 'from the end (live tail)';
    case 'offset':
      if (start.perPartition)
        return `from offsets ${Object.entries(start.perPartition)
          .map(([p, o]) => `[${p}] ${o}`)
          .join(', ')}`;
      return `from offset ${start.offset ?? 0}`;
    case 'timestamp':
      return `from ${new Date(start.timestamp).toISOString()}`;
    case 'lastN':
      return `the last ${start.count.toLocaleString('en-US')} per partition`;
  }
}

/** Which partitions to read: all (undefined), or the ones picked. Undefined result: cancelled. */
export async function askPartitions(
  topic: string,
  partitions: readonly PartitionDetail[],
): Promise<{ partitions: number[] | undefined } | undefined> {
  if (partitions.length <= 1) return { partitions: undefined };
  const all = { label: 'All partitions', description: `${partitions.length} partitions`, partition: -1 };
  const items = [
    all,
    ...partitions.map((p) => ({
      label: `Partition ${p.partition}`,
      description: `offsets ${p.low}…${p.high} · ${p.messages.toLocaleString('en-US')} messages`,
      partition: p.partition,
    })),
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: `${TITLE}: ${topic}`,
    placeHolder: 'Which partitions? (pick several, or All)',
    canPickMany: true,
  });
  if (!picked || picked.length === 0) return undefined;
  if (picked.some((p) => p.partition === -1)) return { partitions: undefined };
  return { partitions: picked.map((p) => p.partition).sort((a, b) => a - b) };
}

/** The start position: beginning, end (live tail), an offset (for all or per partition), a time, or the last N. */
export async function askStartPosition(
  topic: string,
  partitions: readonly PartitionDetail[],
): Promise<StartPosition | undefined> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'From the beginning', description: 'every message still kept', start: 'beginning' as const },
      { label: 'From the end (live tail)', description: 'only messages produced from now on', start: 'end' as const },
      { label: 'Last N per partition…', description: 'the newest messages, then live', start: 'lastN' as const },
      {
        label: 'From an offset…',
        description: 'one for all partitions, or one per partition',
        start: 'offset' as const,
      },
      {
        label: 'From a time…',
        description: 'the first message at or after it (offsetsForTimes)',
        start: 'timestamp' as const,
      },
    ],
    { title: `${TITLE}: ${topic}`, placeHolder: 'Where should the viewer start?' },
  );
  if (!choice) return undefined;
  switch (choice.start) {
    case 'beginning':
    case 'end':
      return { kind: choice.start };
    case 'lastN': {
      const typed = await vscode.window.showInputBox({
        title: `${TITLE}: ${topic}`,
        prompt: 'How many of the newest messages of each partition?',
        value: '100',
        validateInput: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'A whole number, 1 or more'),
      });
      return typed === undefined ? undefined : { kind: 'lastN', count: Number(typed.trim()) };
    }
    case 'offset': {
      const typed = await vscode.window.showInputBox({
        title: `${TITLE}: ${topic}`,
        prompt:
          'An offset for every partition (e.g. 1200), or one per partition as partition:offset (e.g. 0:100, 2:5000; a partition not named starts at its beginning)',
        placeHolder: partitions.map((p) => `${p.partition}:${p.low}`).join(', '),
        validateInput: (v) =>
          parseOffsets(v) ? undefined : 'An offset (1200) or partition:offset pairs (0:100, 2:5000)',
      });
      return typed === undefined ? undefined : parseOffsets(typed);
    }
    case 'timestamp': {
      const typed = await vscode.window.showInputBox({
        title: `${TITLE}: ${topic}`,
        prompt:
          'A time: ISO 8601 (2026-12-01T09:30:00Z, or without a zone for local time) or milliseconds since the epoch',
        value: new Date(Date.now() - 3600_000).toISOString(),
        validateInput: (v) => (parseTimestamp(v) === undefined ? 'An ISO 8601 time or epoch milliseconds' : undefined),
      });
      const timestamp = typed === undefined ? undefined : parseTimestamp(typed);
      return timestamp === undefined ? undefined : { kind: 'timestamp', timestamp };
    }
  }
}

/** "1200" → one offset for all; "0:100, 2:5000" → per partition. Undefined when it is neither. */
export function parseOffsets(text: string): StartPosition | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number.isSafeInteger(Number(t)) ? { kind: 'offset', offset: Number(t) } : undefined;
  const perPartition: Record<number, number> = {};
  const parts = t
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return undefined;
  for (const part of parts) {
    const m = /^(\d+)\s*:\s*(\d+)$/.exec(part);
    if (!m || !Number.isSafeInteger(Number(m[2]))) return undefined;
    perPartition[Number(m[1])] = Number(m[2]);
  }
  return { kind: 'offset', perPartition };
}

export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return Number.isSafeInteger(Number(t)) ? Number(t) : undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The group for "Start Session Here": a suggestion the developer may change. */
export async function askGroupId(topic: string, partition: number, offset: number): Promise<string | undefined> {
  const typed = await vscode.window.showInputBox({
    title: `Start Session Here: ${topic} [${partition}] @ ${offset}`,
    prompt:
      'The consumer group of the session. Its position on this partition is moved to this offset (and committed as you decide).',
    value: `dev-${topic}`.slice(0, 200),
    validateInput: (v) => (v.trim() ? undefined : 'A group id is needed'),
  });
  return typed?.trim() || undefined;
}
