// A child process for the exactly-once kill test (eosKill.eos.ts): a consume-transform-produce
// ConsumerSession that writes one output per input (the input's value, a `from` header naming its
// partition and offset), exactly-once or at-least-once. The parent SIGKILLs it at random moments.
//
// Usage: node eosWorker.js '<EosWorkerConfig as JSON>'
// IPC (parent -> worker): { type: 'stop' } stops the session gracefully and exits 0.
// IPC (worker -> parent): { type: 'running' }, { type: 'progress', handled, openOutputs }, { type: 'committed', handled }
// (offsets committed, by a transaction or not), { type: 'transaction', kind, handled }, { type: 'event', text }.
import { ConsumerSession } from '../../../../src/core/engine/session';
import type { DeliveryGuarantee } from '../../../../src/core/engine/types';
import type { Logger } from '../../../../src/core/logging';
import { stopOnRequest, stopRequested } from './workerLifecycle';

export interface EosWorkerConfig {
  readonly bootstrapServers: string;
  readonly input: string;
  readonly output: string;
  readonly groupId: string;
  /** group.instance.id: a restarted worker takes the killed one's place at once. */
  readonly instanceId: string;
  readonly delivery: DeliveryGuarantee;
  /** The same on every restart, so the new producer fences the killed one and aborts its transaction. */
  readonly transactionalIdPrefix: string;
  /** Transactions (or commits) of this many messages or this many ms, whichever comes first. */
  readonly batch: { readonly messages: number; readonly ms: number };
}

const config = JSON.parse(process.argv[2] ?? '') as EosWorkerConfig;
const send = (message: object): void => {
  if (process.connected) process.send?.(message);
};

/** Warnings and errors on stderr, which the test shows when a run ends unexpectedly. */
const stderrLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message) => process.stderr.write(`warn: ${message}\n`),
  error: (message) => process.stderr.write(`error: ${message}\n`),
  child: () => stderrLogger,
};

let handled = 0;
const session = new ConsumerSession(
  {
    connection: { bootstrapServers: config.bootstrapServers, clientId: `eos-worker-${process.pid}` },
    groupId: config.groupId,
    topics: [config.input],
    autoOffsetReset: 'earliest',
    delivery: config.delivery,
    transactionalIdPrefix: config.transactionalIdPrefix,
    commitPolicy: { kind: 'batch', maxMessages: config.batch.messages, maxIntervalMs: config.batch.ms },
    consumerConfig: {
      'group.instance.id': config.instanceId,
      'session.timeout.ms': 10_000,
      'heartbeat.interval.ms': 500,
    },
    handler: (m) => {
      handled++;
      return [{ topic: config.output, key: m.key, value: m.value, headers: { from: `${m.partition}:${m.offset}` } }];
    },
  },
  { logger: stderrLogger },
);
session.on('transaction', (e) => send({ type: 'transaction', kind: e.kind, handled }));
session.on('committed', (e) => {
  if (!e.error && e.offsets.length > 0) send({ type: 'committed', handled });
});
session.on('error', (e) => send({ type: 'event', text: `error: ${e.error.message}` }));
/** Outputs in open transactions (exactly-once): what a kill now would leave for the next run to abort. */
const openOutputs = (): number =>
  session
    .snapshot()
    .members.reduce(
      (n, m) =>
        n + (m.transaction?.state === 'open' && m.transaction.openSince !== undefined ? m.transaction.outputs : 0),
      0,
    );
const progress = setInterval(() => send({ type: 'progress', handled, openOutputs: openOutputs() }), 25);
progress.unref();

stopOnRequest(
  () => session.stop(),
  30_000,
  () => ({ type: 'progress', handled }),
);

session
  .start()
  .then(() => send({ type: 'running' }))
  .catch((error: unknown) => {
    // Stopped while it started: the stop ends the process once everything is closed.
    if (stopRequested()) return;
    process.stderr.write(`eos worker could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(4);
  });
