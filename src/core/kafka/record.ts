/**
 * A Kafka record as the cluster holds it: where it sits (topic, partition, offset), when it was
 * written, and its key, value and headers as raw bytes. The engine, the DLQ, the viewer and the
 * decoders all speak about this one shape; each adds only what it needs on top.
 */
export type HeaderValue = string | Buffer;
/** librdkafka's header list: one single-key object per header, in order, names may repeat. */
export type Headers = Array<Record<string, HeaderValue>>;

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch (CreateTime or LogAppendTime, as the topic says). */
  readonly timestamp?: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Headers;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}
