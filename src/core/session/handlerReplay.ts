import type { ConsumedMessage, MessageHandler } from '../engine/types';
import type { ClusterConnection } from '../kafka/connection';
import { fetchRecord } from '../kafka/recordFetch';
import { describeHandlerError } from './handlerStep';

export interface ReplayOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** What the handler did: returned, decided, or failed (with the error as the panel shows it). */
  readonly result: { readonly kind: 'returned' } | { readonly kind: 'failed'; readonly error: string };
}

/**
 * "Replay into Handler": runs the developer's handler once more on a record, read by its offset
 * outside the group. It never commits and never moves the group's position: the record does not
 * go through the engine at all, and whatever the handler returns or throws is only reported.
 */
export async function replayIntoHandler(
  handler: MessageHandler,
  connection: ClusterConnection,
  topic: string,
  partition: number,
  offset: number,
): Promise<ReplayOutcome> {
  const record = await fetchRecord(connection, topic, partition, offset);
  const message: ConsumedMessage = {
    ...record,
    id: `replay/${topic}/${partition}/${offset}`,
    memberId: 'replay',
    size: (record.key?.length ?? 0) + (record.value?.length ?? 0),
    attempts: 0,
  };
  const controller = new AbortController();
  try {
    await handler(message, { attempt: 1, signal: controller.signal, replay: true });
    return { topic, partition, offset, result: { kind: 'returned' } };
  } catch (error) {
    return { topic, partition, offset, result: { kind: 'failed', error: describeHandlerError(error) } };
  } finally {
    controller.abort();
  }
}
