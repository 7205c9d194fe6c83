import { isExactlyOnce } from '../common';
import type { GeneratorInput } from '../generatorInput';

/** src/contract.ts: the \`handle(message, context)\` contract, the same as Kafka Consumer Lab's. */
export function contractTs(input?: GeneratorInput): string {
  const eos = input !== undefined && isExactlyOnce(input);
  return `/**
 * The handler contract of Kafka Consumer Lab: the extension runs the same \`handle(message, context)\`
 * under the debugger, so src/handler.ts is debugged as it runs here.
 */

export interface PayloadInfo {
  readonly format: string;
  readonly schemaId?: number;
  readonly subject?: string;
}

export interface HandlerMessage<V = unknown> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number | undefined;
  /** The key as UTF-8 text, or null. */
  readonly key: string | null;
  readonly value: V;
  /** Header values as text; the bytes are in raw.headers. The last value wins for a repeated name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly raw: {
    readonly key: Buffer | null;
    readonly value: Buffer | null;
    readonly headers: ReadonlyArray<{ readonly key: string; readonly value: Buffer }>;
  };
  readonly format: { readonly key: PayloadInfo; readonly value: PayloadInfo };
}

export interface HandlerContext {
  /** 1 on the first attempt, 2 on the first retry, … */
  readonly attempt: number;
  /** Always false here; true when Kafka Consumer Lab replays a message (nothing is committed then). */
  readonly replay: boolean;
  /** Aborted when the partition is revoked or the consumer stops: give up the work. */
  readonly signal: AbortSignal;
  log(...args: unknown[]): void;
}

${
  eos
    ? `/**
 * A record the handler produces. It commits in the same Kafka transaction as the input's offset:
 * a read_committed reader sees it exactly once. Text and bytes go as they are, other values as JSON.
 */
export interface OutputRecord {
  /** The output topic of the settings when absent. */
  readonly topic?: string;
  readonly partition?: number;
  readonly key?: string | Buffer | null;
  readonly value: unknown;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
}

/** Return the output records (none: an empty list or nothing), or decide the message's fate yourself. */
export type HandlerResult =
  | void
  | undefined
  | readonly OutputRecord[]
  | { readonly decision: 'skip' | 'retry' | 'deadLetter'; readonly reason?: string };
`
    : `/** Return nothing when done, or decide the message's fate yourself. */
export type HandlerResult =
  | void
  | undefined
  | { readonly decision: 'skip' | 'retry' | 'deadLetter'; readonly reason?: string };
`
}
/** Throw this (or any error with \`retriable: true\`) for a failure worth retrying; anything else is dead-lettered. */
export class RetriableError extends Error {
  readonly retriable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** The value could not be decoded: never retried. */
export class MessageDecodeError extends Error {
  override readonly name = 'MessageDecodeError';
}

/** A \`{ decision: 'deadLetter' }\` result (the extension records the same class). */
export class HandlerDeadLetter extends Error {
  override readonly name = 'HandlerDeadLetter';
}

/** A \`{ decision: 'retry' }\` result. */
export class HandlerRetry extends RetriableError {}
`;
}

/** src/watermark.ts: the per-partition contiguous commit watermark. */
export function watermarkTs(): string {
  return `/**
 * One partition's offsets in fetch order, and which are done. What may be committed is the first
 * offset not done yet: never past a message that is still running, waiting for a retry, or whose
 * dead-letter write is not acknowledged, however many later ones finished.
 */
export class Watermark {
  private readonly offsets: number[] = [];
  private readonly done = new Set<number>();
  private head = 0;
  private lastDone: number | undefined;

  track(offset: number): void {
    this.offsets.push(offset);
  }

  finish(offset: number): void {
    this.done.add(offset);
    while (this.head < this.offsets.length && this.done.has(this.offsets[this.head] as number)) {
      const first = this.offsets[this.head] as number;
      this.done.delete(first);
      this.lastDone = first;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The offset to commit (the next one to read), or undefined when nothing is done yet. */
  committable(): number | undefined {
    if (this.lastDone === undefined) return undefined;
    return this.head < this.offsets.length ? (this.offsets[this.head] as number) : this.lastDone + 1;
  }
}
`;
}
