// The child processes of the kill tests (crashWorker.ts, eosWorker.ts) stop and end the same way.

/** Exits 2 when the parent (the test) goes away, so that no orphan consumer lingers. */
const onParentGone = (): never => process.exit(2);

/**
 * Stops gracefully on `{ type: 'stop' }` or SIGTERM, sends `lastMessage` to the parent, then ends 0 the way a service should:
 * the event loop drains (native work still under way finishes first), rather than process.exit()
 * tearing the process down around it. Bounded: a stop that hangs exits 3 after `boundMs`.
 */
let stopping = false;

/** Whether a stop was requested: a start that fails after it was stopped, not a failed start. */
export const stopRequested = (): boolean => stopping;

export function stopOnRequest(stop: () => Promise<void>, boundMs: number, lastMessage?: () => object): void {
  const run = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      // What still holds the event loop (or the stop) open, for the test's failure message.
      const open = (process as unknown as { _getActiveHandles?: () => object[] })._getActiveHandles?.() ?? [];
      const names = open.map((h) => h.constructor?.name ?? typeof h).join(', ');
      process.stderr.write(`still running ${boundMs / 1000} s after the stop request; open handles: ${names}\n`);
      process.exit(3);
    }, boundMs).unref();
    try {
      await stop();
      // On stderr, which the test shows when the exit is not clean: a crash after this line is in the teardown.
      process.stderr.write('the session stopped; exiting\n');
    } finally {
      process.exitCode = 0;
      process.removeListener('disconnect', onParentGone);
      if (process.connected) {
        if (lastMessage) process.send?.(lastMessage(), () => process.disconnect());
        else process.disconnect();
      }
    }
  };
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'stop') void run();
  });
  process.on('SIGTERM', () => void run());
  process.on('disconnect', onParentGone);
}
