// Builds real ConsumerSessions on the fake cluster and the fake DLQ, and waits (bounded) for them.
import { ConsumerSession } from '../../../../../src/core/engine/session';
import type {
  CommitEvent,
  ConsumedMessage,
  DecisionEvent,
  EngineError,
  RebalanceEvent,
  SessionConfig,
} from '../../../../../src/core/engine/types';
import { FakeCluster } from './fakeCluster';
import { FakeDeadLetters } from './fakeDeadLetters';

export const TOPIC = 'orders';
export const GROUP = 'unit-group';

export interface Rig {
  readonly cluster: FakeCluster;
  readonly dlq: FakeDeadLetters;
  readonly session: ConsumerSession;
  readonly events: {
    readonly committed: CommitEvent[];
    readonly decided: DecisionEvent[];
    readonly rebalances: RebalanceEvent[];
    readonly errors: EngineError[];
    readonly awaiting: ConsumedMessage[];
  };
}

export function rig(config: Partial<SessionConfig> = {}, cluster = new FakeCluster()): Rig {
  const dlq = new FakeDeadLetters();
  const session = new ConsumerSession(
    {
      connection: { bootstrapServers: 'fake:9092' },
      groupId: GROUP,
      topics: [TOPIC],
      retryPolicy: { baseMs: 5, capMs: 20, jitter: 0, maxAttempts: 3 },
      ...config,
    },
    { consumers: cluster.factory, deadLetters: () => dlq },
  );
  const events = {
    committed: [] as CommitEvent[],
    decided: [] as DecisionEvent[],
    rebalances: [] as RebalanceEvent[],
    errors: [] as EngineError[],
    awaiting: [] as ConsumedMessage[],
  };
  session.on('committed', (e) => events.committed.push(e));
  session.on('decided', (e) => events.decided.push(e));
  session.on('rebalance', (e) => events.rebalances.push(e));
  session.on('error', (e) => events.errors.push(e));
  session.on('awaiting', (m) => events.awaiting.push(m));
  return { cluster, dlq, session, events };
}

/** Polls `probe` every 2 ms until it returns something other than undefined/false, or fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(2);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Offsets of one partition, in the order given. */
export const offsetsOf = (messages: readonly ConsumedMessage[], partition: number): number[] =>
  messages.filter((m) => m.partition === partition).map((m) => m.offset);

/** The last offset committed for a partition by any event (sync or async) without error. */
export function lastCommitted(committed: readonly CommitEvent[], partition: number, topic = TOPIC): number | undefined {
  let last: number | undefined;
  for (const e of committed)
    if (!e.error) for (const o of e.offsets) if (o.topic === topic && o.partition === partition) last = o.offset;
  return last;
}

/** Steps through `count` messages, acknowledging each; returns them in the order offered. */
export async function stepAck(session: ConsumerSession, count: number): Promise<ConsumedMessage[]> {
  const seen: ConsumedMessage[] = [];
  for (let i = 0; i < count; i++) {
    const m = await session.nextAwaiting(2_000);
    seen.push(m);
    await session.decide(m.id, { kind: 'ack' });
  }
  return seen;
}
