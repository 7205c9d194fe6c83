/**
 * What the viewer and its panel know of dead letters, on their own: the webviews import these, and
 * must not import detection (which reads Node Buffers).
 */

/** Where the evidence came from, strongest first. */
export type DeadLetterSource = 'envelope' | 'labHeaders' | 'spring' | 'originalTopicHeader';

/** What a dead-lettered record says about its failure; each field only when the record says it. */
export interface DeadLetterInfo {
  readonly source: DeadLetterSource;
  readonly originalTopic?: string;
  readonly originalPartition?: number;
  /** Exact, as a decimal string (a Spring offset is a 64-bit integer). */
  readonly originalOffset?: string;
  readonly errorType?: string;
  readonly errorMessage?: string;
  /** ISO-8601 UTC. */
  readonly failedAt?: string;
  readonly retryCount?: number;
}

export interface ErrorTypeCount {
  readonly errorType: string;
  readonly count: number;
}

/** What a viewer shows of the dead letters in its buffer. */
export interface DeadLetterCounts {
  /** Buffered records recognised as dead letters. */
  readonly deadLetters: number;
  readonly byErrorType: readonly ErrorTypeCount[];
}
