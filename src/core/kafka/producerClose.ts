import type { Producer } from '@confluentinc/kafka-javascript';

/**
 * Flushes a librdkafka producer (bounded) and disconnects it; resolves `true` once it is destroyed,
 * or `false` after `flushMs` + `destroyMs` (the handle may then still be going away: worth a warning).
 *
 * The poll interval (`setPollInterval`) is stopped first. The client keeps it running until its
 * `disconnected` event, and the native disconnect destroys the handle on a worker thread while an
 * interval's `poll()` on the main thread may still use it: a use-after-free that crashed processes
 * with SIGSEGV when a session stopped. Delivery reports still arrive: the flush serves them.
 */
export function closeProducer(producer: Producer, flushMs: number, destroyMs = 5_000): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), flushMs + destroyMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const disconnect = (): void => {
      try {
        producer.setPollInterval(0);
        producer.disconnect(0, done);
      } catch {
        done();
      }
    };
    try {
      producer.flush(flushMs, disconnect);
    } catch {
      disconnect();
    }
  });
}
