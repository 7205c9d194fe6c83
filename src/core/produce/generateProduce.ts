import type { ProduceRequest, ProduceService } from './produceService';
import type { FieldProblem } from './payloadForms';
import { ProduceError } from './produceErrors';
import type { RecordProducer } from './recordProducer';
import type { RecordGenerator } from './generateRecords';
import { MAX_GENERATE_COUNT, MAX_GENERATE_RATE } from './generateLimits';
import { GenerateError } from './generateErrors';

export interface ProduceGeneratedOptions {
  /** The form's request: topic, partition, key, headers, timestamp; its value's schema choice. */
  readonly request: ProduceRequest;
  readonly generator: RecordGenerator;
  /** 1 to 1,000,000. */
  readonly count: number;
  /** Messages per second; undefined: as fast as the broker acknowledges. */
  readonly ratePerSecond?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { generated: number; sent: number; failed: number }) => void;
  /** Clock and sleep, for the rate (injected in unit tests). */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ProduceGeneratedSummary {
  readonly outcome: 'complete' | 'stopped' | 'cancelled';
  readonly seed: number;
  readonly requested: number;
  /** Generated and encoded, handed to the producer. */
  readonly attempted: number;
  /** Acknowledged by the broker. */
  readonly sent: number;
  readonly failed: number;
  /** The first failure, when there was one (a generated record that did not encode is a bug; a delivery failure stops the run). */
  readonly firstFailure?: { readonly index: number; readonly problems: readonly FieldProblem[] };
  readonly partitions: ReadonlyArray<{ partition: number; count: number; firstOffset: number; lastOffset: number }>;
  readonly elapsedMs: number;
}

/** The longest Produce N goes without reporting its progress while it runs. */
export const PROGRESS_EVERY_MS = 250;

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * "Produce N": N generated values, each encoded through the form's schema and handed to the
 * producer, paced to a rate when one is given. Stops at the first failure (nothing is skipped
 * silently), and after a cancel waits for what is in flight, so the summary counts exactly what the
 * broker acknowledged.
 */
export async function produceGenerated(
  deps: { readonly service: ProduceService; readonly producer: RecordProducer },
  options: ProduceGeneratedOptions,
): Promise<ProduceGeneratedSummary> {
  const { count, ratePerSecond } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_GENERATE_COUNT)
    throw new GenerateError(
      'invalidRequest',
      `Produce N takes a count from 1 to ${MAX_GENERATE_COUNT.toLocaleString('en-US')}.`,
    );
  if (
    ratePerSecond !== undefined &&
    (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0 || ratePerSecond > MAX_GENERATE_RATE)
  )
    throw new GenerateError(
      'invalidRequest',
      `The rate is messages per second, more than 0 and at most ${MAX_GENERATE_RATE.toLocaleString('en-US')}; leave it empty for no limit.`,
    );
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const started = now();
  let attempted = 0;
  let sent = 0;
  let failed = 0;
  let stopped = false;
  let cancelled = false;
  let firstFailure: ProduceGeneratedSummary['firstFailure'];
  const offsets = new Map<number, { count: number; firstOffset: number; lastOffset: number }>();
  const fail = (index: number, problems: readonly FieldProblem[]): void => {
    failed++;
    stopped = true;
    if (!firstFailure || index < firstFailure.index) firstFailure = { index, problems };
  };
  let reportedAt = started;
  const progress = (): void => {
    reportedAt = now();
    options.onProgress?.({ generated: attempted, sent, failed });
  };
  // Every hundredth of the run (at most every 1,000 records), and at least every PROGRESS_EVERY_MS
  // (at a slow rate, 1,000 records can take minutes).
  const every = Math.max(1, Math.min(1000, Math.floor(count / 100)));

  for (let index = 0; index < count; index++) {
    if (options.signal?.aborted) {
      cancelled = true;
      break;
    }
    if (stopped) break;
    if (ratePerSecond !== undefined) {
      const due = started + (index * 1000) / ratePerSecond;
      const wait = due - now();
      if (wait > 0) await sleep(wait, options.signal);
      if (options.signal?.aborted) {
        cancelled = true;
        break;
      }
    }
    const value = options.generator.next();
    const text = JSON.stringify(value);
    const prepared = await deps.service.prepare({
      ...options.request,
      value: { ...options.request.value, text },
    });
    attempted++;
    if (!prepared.ok) {
      fail(index, prepared.problems);
      break;
    }
    try {
      await deps.producer.enqueue(prepared.prepared.record, (error, delivered) => {
        if (error || !delivered) {
          fail(index, [
            {
              field: 'topic',
              reason: error?.reason ?? 'rejected',
              message: error?.message ?? 'The record was not acknowledged.',
            },
          ]);
          return;
        }
        sent++;
        const p = offsets.get(delivered.partition);
        if (!p)
          offsets.set(delivered.partition, { count: 1, firstOffset: delivered.offset, lastOffset: delivered.offset });
        else {
          p.count++;
          p.firstOffset = Math.min(p.firstOffset, delivered.offset);
          p.lastOffset = Math.max(p.lastOffset, delivered.offset);
        }
      });
    } catch (error) {
      if (!(error instanceof ProduceError)) throw error;
      fail(index, [{ field: 'topic', reason: error.reason, message: error.message }]);
    }
    if (attempted % every === 0 || now() - reportedAt >= PROGRESS_EVERY_MS) progress();
  }
  // Wait for every acknowledgement, so the counts are exact.
  await deps.producer.flush();
  progress();
  return {
    outcome: cancelled ? 'cancelled' : stopped ? 'stopped' : 'complete',
    seed: options.generator.seed,
    requested: count,
    attempted,
    sent,
    failed,
    ...(firstFailure ? { firstFailure } : {}),
    partitions: [...offsets.entries()].sort((a, b) => a[0] - b[0]).map(([partition, p]) => ({ partition, ...p })),
    elapsedMs: now() - started,
  };
}

/** The summary in one sentence, exact. */
export function describeGeneratedSummary(s: ProduceGeneratedSummary): string {
  const head =
    s.outcome === 'complete'
      ? `Sent all ${s.sent.toLocaleString('en-US')} generated records`
      : `${s.outcome === 'cancelled' ? 'Cancelled' : 'Stopped'}: ${s.sent.toLocaleString('en-US')} of ${s.requested.toLocaleString('en-US')} generated records were sent`;
  const failure = s.firstFailure
    ? `; record ${s.firstFailure.index + 1} failed: ${s.firstFailure.problems.map((p) => p.message).join(' ')}`
    : '';
  const notSent = s.requested - s.sent - s.failed;
  return `${head} (seed ${s.seed})${failure}${s.outcome !== 'complete' && notSent > 0 ? `; ${notSent.toLocaleString('en-US')} were not sent` : ''}.`;
}
