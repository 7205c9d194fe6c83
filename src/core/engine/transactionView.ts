import type { TransactionSnapshot } from './types';

/** One line for the Sessions view: the member's transactional id and its open transaction (count, age). */
export function describeTransaction(t: TransactionSnapshot, now: number): string {
  const open =
    t.openSince === undefined
      ? t.state
      : t.messages === 0 && t.outputs === 0
        ? `${t.state}, empty`
        : `${t.state}: ${t.messages} message${t.messages === 1 ? '' : 's'}, ${t.outputs} output${t.outputs === 1 ? '' : 's'}, ${((now - t.openSince) / 1000).toFixed(1)} s`;
  return `${t.transactionalId} · ${open} · ${t.commits} committed, ${t.aborts} aborted`;
}
