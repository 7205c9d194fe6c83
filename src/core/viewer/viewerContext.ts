import type { DecodeTarget } from '../codec/decodeResult';
import type { PayloadDecoder } from '../codec/payloadDecoder';
import type { DeadLetterIndex } from '../dlq/deadLetterIndex';
import type { Logger } from '../logging';
import type { MessageStore } from './messageStore';
import type { ViewerIndex } from './viewerIndex';
import type { ViewerFacts } from './viewerState';

/** Time limits of the viewer's calls to the cluster, and its retry and repaint pacing. */
export interface ViewerTimings {
  readonly connectTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly disconnectTimeoutMs: number;
  /** How often the reader checks that the topic still exists and the brokers answer. */
  readonly probeIntervalMs: number;
  readonly retryBaseMs: number;
  readonly retryCapMs: number;
  /** Change notifications are sent at most this often (the panel repaints about 10 times a second). */
  readonly notifyIntervalMs: number;
}

export const DEFAULT_VIEWER_TIMINGS: ViewerTimings = Object.freeze({
  connectTimeoutMs: 10_000,
  callTimeoutMs: 5_000,
  disconnectTimeoutMs: 5_000,
  probeIntervalMs: 3_000,
  retryBaseMs: 1_000,
  retryCapMs: 30_000,
  notifyIntervalMs: 100,
});

/**
 * What the viewer's parts (the reader, the buffer's views, registry re-decoding) share: one topic's
 * buffer and its indexes, the decoder, and the viewer's one state machine.
 */
export interface ViewerContext {
  readonly topic: string;
  readonly store: MessageStore;
  readonly index: ViewerIndex;
  /** The dead letters among the buffered records (core/dlq), for their columns, filter and counts. */
  readonly deadLetters: DeadLetterIndex;
  readonly decoder: PayloadDecoder;
  readonly keyTarget: DecodeTarget;
  readonly valueTarget: DecodeTarget;
  readonly timings: ViewerTimings;
  readonly logger: Logger;
  /** The facts the viewer's state is made of; `update` is their one transition. */
  facts(): ViewerFacts;
  update(change: Partial<ViewerFacts>): void;
  /** Counts changed: the listeners are told (at once, or when the interval ends). */
  changed(): void;
  /** The listeners are told now. */
  flush(): void;
}
