import type { OutputRecord } from '../engine/outputs';
import type { ConsumedMessage } from '../engine/types';

/**
 * The built-in consume-transform-produce handler of the start flow: each input message goes to
 * every output topic as it came (key, value and headers byte for byte, a null value stays a
 * tombstone), the partition chosen by the producer from the key. Exactly-once commits the copies
 * and the input offsets in one transaction.
 */
export function copyToOutputs(message: ConsumedMessage, topics: readonly string[]): OutputRecord[] {
  const headers = (message.headers ?? []).flatMap((h) => Object.entries(h).map(([key, value]) => ({ key, value })));
  return topics.map((topic) => ({
    topic,
    key: message.key,
    value: message.value,
    ...(headers.length > 0 ? { headers } : {}),
  }));
}
