// A fake dead-letter topic for the engine's unit tests. It builds the real envelope, and
// acknowledges each write at once, refuses it, or holds it until the test acknowledges it.
import type { DeadLetterSink, DeadLetterWriteResult } from '../../../../../src/core/dlq/deadLetterWriter';
import { type DeadLetterEnvelope, type FailedMessage, buildEnvelope } from '../../../../../src/core/dlq/envelope';
import { DeadLetterError } from '../../../../../src/core/errors';

export interface DeadLetterWrite {
  readonly topic: string;
  readonly message: FailedMessage;
  readonly error: unknown;
  readonly retryCount: number;
}

export class FakeDeadLetters implements DeadLetterSink {
  /** Every write attempted, in order (refused ones included). */
  readonly attempts: DeadLetterWrite[] = [];
  /** Writes the broker acknowledged. */
  readonly written: Array<DeadLetterWrite & { envelope: DeadLetterEnvelope }> = [];
  /** 'ack' at once, 'refuse' with a DeadLetterError, or 'hold' until acknowledge()/refuse(). */
  mode: 'ack' | 'refuse' | 'hold' = 'ack';
  closed = false;
  private readonly held: Array<{
    write: DeadLetterWrite;
    resolve: (r: DeadLetterWriteResult) => void;
    reject: (e: Error) => void;
  }> = [];

  write(topic: string, message: FailedMessage, error: unknown, retryCount: number): Promise<DeadLetterWriteResult> {
    const write = { topic, message, error, retryCount };
    this.attempts.push(write);
    if (this.closed) return Promise.reject(new DeadLetterError('dlqWriteFailed', 'the fake DLQ is closed'));
    if (this.mode === 'refuse')
      return Promise.reject(
        new DeadLetterError('dlqTopicMissing', `The dead-letter topic ${topic} does not exist (fake).`),
      );
    if (this.mode === 'ack') return Promise.resolve(this.accept(write));
    return new Promise((resolve, reject) => this.held.push({ write, resolve, reject }));
  }

  get pending(): number {
    return this.held.length;
  }

  /** Acknowledges the oldest held write. */
  acknowledge(): void {
    const next = this.held.shift();
    if (!next) throw new Error('no dead-letter write is waiting');
    next.resolve(this.accept(next.write));
  }

  /** Refuses the oldest held write. */
  refuse(): void {
    const next = this.held.shift();
    if (!next) throw new Error('no dead-letter write is waiting');
    next.reject(new DeadLetterError('dlqWriteFailed', 'The broker rejected the dead-letter write (fake).'));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const h of this.held.splice(0))
      h.reject(new DeadLetterError('dlqWriteFailed', 'closed before the write was acknowledged'));
  }

  private accept(write: DeadLetterWrite): DeadLetterWriteResult {
    const envelope = buildEnvelope(write.message, write.error, write.retryCount);
    this.written.push({ ...write, envelope });
    return { topic: write.topic, partition: 0, offset: this.written.length - 1, envelope };
  }
}
