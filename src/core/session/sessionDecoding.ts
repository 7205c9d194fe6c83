import type { PayloadDecoder } from '../codec/payloadDecoder';
import type { ConsumedMessage } from '../engine/types';
import type { Logger } from '../logging';
import type { MessageView, TimestampType } from './messageView';
import { toMessageView } from './toMessageView';

/** How long reading the topics' timestamp types may delay the first decoded message. */
const TIMESTAMP_TYPES_WAIT_MS = 5_000;

/**
 * Decodes a session's messages for the views and for run-until: key and value through the
 * cluster's codec, and the topic's timestamp type (the client does not report it per record).
 * The message waiting for a decision is decoded in the background; only the latest one is kept.
 */
export class SessionDecoding {
  private timestampTypes: Promise<ReadonlyMap<string, TimestampType>> | undefined;
  private generation = 0;
  private view: MessageView | undefined;

  constructor(
    private readonly decoder: PayloadDecoder,
    private readonly logger: Logger,
  ) {}

  /** Starts reading each topic's message.timestamp.type; best effort and bounded. */
  readTimestampTypes(
    read: ((topics: readonly string[]) => Promise<ReadonlyMap<string, TimestampType>>) | undefined,
    topics: readonly string[],
  ): void {
    if (!read) return;
    const bound = new Promise<ReadonlyMap<string, TimestampType>>((resolve) =>
      setTimeout(() => resolve(new Map()), TIMESTAMP_TYPES_WAIT_MS).unref(),
    );
    this.timestampTypes = Promise.race([
      read(topics).catch((error: unknown) => {
        this.logger.debug(`timestamp types unknown (${String(error)}); shown as CreateTime, the broker default`);
        return new Map<string, TimestampType>();
      }),
      bound,
    ]);
  }

  async decode(message: ConsumedMessage): Promise<MessageView> {
    const decoder = this.decoder;
    const [key, value, types] = await Promise.all([
      decoder.decode(message.key, { topic: message.topic, role: 'key' }),
      decoder.decode(message.value, { topic: message.topic, role: 'value' }),
      this.timestampTypes,
    ]);
    const timestampType = types?.get(message.topic);
    return toMessageView(message, { key, value }, timestampType ? { timestampType } : {});
  }

  /** Decodes the message now waiting for a decision; `shown` runs once its view is ready (unless a newer one came). */
  show(message: ConsumedMessage, shown: () => void, failed: (error: unknown) => void): void {
    const generation = ++this.generation;
    this.decode(message).then((view) => {
      if (generation !== this.generation) return;
      this.view = view;
      shown();
    }, failed);
  }

  /** The decoded view of this message, if it is the one last shown. */
  viewOf(messageId: string | undefined): MessageView | undefined {
    return messageId !== undefined && this.view?.id === messageId ? this.view : undefined;
  }
}
