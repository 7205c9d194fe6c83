import type { IAdminClient, ListOffsetsResult, Metadata, TopicDescription } from '@confluentinc/kafka-javascript';
import { KafkaClientError, type KafkaClientErrorReason } from '../errors';
import { type Logger } from '../logging';
import { type AdminErrorSubject, bounded, toAdminError } from './adminErrors';
import { type ClassifyContext, type RawClientError, reasonOf } from './clientErrors';
import { type ClusterConnection, principalOf, toLibrdkafkaConfig } from './connection';
import { diagnoseTls, explainSecurityFailure } from './securityDiagnosis';
import { checkTlsMaterial } from './tlsMaterial';
import { GroupConsumer, partitionKey } from './groupConsumer';
import { loadNativeClient } from './nativeClient';
import type { TopicPartitionRef } from './offsetReset';

export interface Watermarks {
  readonly low: number;
  readonly high: number;
}

/** The admin client's underlying handle has getMetadata (brokers, topics, partitions); its public API only lists topic names. */
type AdminWithMetadata = IAdminClient & {
  _client?: {
    getMetadata(
      options: { allTopics: boolean; topic?: string; timeout: number },
      cb: (err: RawClientError | null, metadata: Metadata) => void,
    ): void;
  };
};

/** LEADER_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER, FENCED_ and UNKNOWN_LEADER_EPOCH: transient while leadership settles. */
const leaderMovingCodes: ReadonlySet<number> = new Set([5, 6, 74, 75]);

/** How long one diagnosis of a failing TLS or OAUTHBEARER connection explains later failures. */
const DIAGNOSIS_REUSE_MS = 5000;

/**
 * One lazily created admin client and the bounded calls on it. Its error events (which arrive while
 * it connects) are kept, so that a timeout can be reported as the authentication or transport
 * failure that caused it.
 */
export class AdminSession {
  private client: AdminWithMetadata | undefined;
  private lastError: RawClientError | undefined;
  /** Fails the calls in flight, for an error that ends them all. */
  private readonly pending = new Set<(error: RawClientError) => void>();
  /** Native calls whose callbacks have not come back yet, per client. */
  private readonly inFlight = new Map<AdminWithMetadata, number>();
  private readonly closing = new Set<AdminWithMetadata>();
  /** The last look behind a generic failure, shared by the calls that fail together (one explorer refresh). */
  private diagnosis:
    { readonly at: number; readonly reason: KafkaClientErrorReason; readonly cause: Promise<unknown> } | undefined;
  /** Calls waiting while a TLS check runs, and the cause the last check found. */
  private readonly tlsWaiters = new Set<(cause: KafkaClientError) => void>();
  private tlsDiagnosing = false;
  private tlsCause: { readonly at: number; readonly cause: KafkaClientError } | undefined;
  readonly context: ClassifyContext;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.context = {
      bootstrapServers: connection.bootstrapServers,
      username: principalOf(connection),
      mechanism: connection.sasl?.mechanism,
      waitedMs: timeoutMs,
    };
  }

  /**
   * Disconnects the admin client. The native disconnect blocks the event loop until in-flight
   * requests end, so while a call's native callback is outstanding (after a call was failed early),
   * it waits for that callback (itself bounded by the call's timeout).
   */
  close(): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if ((this.inFlight.get(client) ?? 0) > 0) this.closing.add(client);
    else disconnectQuietly(client);
  }

  /** Low and high watermarks per partition key (`partitionKey(topic, partition)`). */
  async watermarks(partitions: readonly TopicPartitionRef[]): Promise<Map<string, Watermarks>> {
    const native = loadNativeClient();
    const [low, high] = await Promise.all([
      this.listOffsets(partitions, native.OffsetSpec.EARLIEST),
      this.listOffsets(partitions, native.OffsetSpec.LATEST),
    ]);
    return new Map(
      partitions.map((p) => {
        const key = partitionKey(p.topic, p.partition);
        return [key, { low: low.get(key) ?? 0, high: high.get(key) ?? 0 }];
      }),
    );
  }

  private admin(): AdminWithMetadata {
    if (this.client) return this.client;
    const native = loadNativeClient();
    // librdkafka fails a client whose key does not open with only "Erroneous state".
    checkTlsMaterial(this.connection);
    this.client = native.AdminClient.create(
      {
        ...toLibrdkafkaConfig(this.connection),
        'socket.connection.setup.timeout.ms': Math.max(1000, this.timeoutMs),
        'reconnect.backoff.max.ms': 1000,
        'log.connection.close': false,
      },
      {
        'event.error': (error: RawClientError) => {
          this.lastError = error;
          this.logger.debug(`client error: ${error.message ?? ''}`);
          // librdkafka would retry a wrong password until the call times out; say so at once.
          if (reasonOf(error) === 'authenticationFailed') for (const fail of [...this.pending]) fail(error);
          else this.diagnoseTlsNow();
        },
      },
    ) as AdminWithMetadata;
    return this.client;
  }

  call<T>(
    subject: AdminErrorSubject,
    start: (
      admin: AdminWithMetadata,
      timeout: number,
      done: (error: RawClientError | null | undefined, value?: T) => void,
    ) => void,
  ): Promise<T> {
    this.logger.debug(subject.operation);
    const known = this.tlsCause;
    if (known && Date.now() - known.at <= DIAGNOSIS_REUSE_MS) return Promise.reject(known.cause);
    let fail: ((error: RawClientError) => void) | undefined;
    let diagnosed: ((cause: KafkaClientError) => void) | undefined;
    const early = new Promise<never>((_, reject) => {
      diagnosed = reject;
      this.tlsWaiters.add(reject);
    });
    const bound = bounded<T>(
      this.timeoutMs + 1000,
      subject,
      this.context,
      (done) => {
        fail = (error) => done(error);
        this.pending.add(fail);
        const client = this.admin();
        this.inFlight.set(client, (this.inFlight.get(client) ?? 0) + 1);
        let returned = false;
        const nativeDone = (error: RawClientError | null | undefined, value?: T): void => {
          if (!returned) {
            returned = true;
            this.nativeReturned(client);
          }
          done(error, value);
        };
        try {
          start(client, this.timeoutMs, nativeDone);
        } catch (error) {
          // Thrown before the native call started: nothing is in flight.
          if (!returned) {
            returned = true;
            this.nativeReturned(client);
          }
          throw error;
        }
      },
      () => this.lastError,
    );
    // A TLS problem found by our own handshake ends the call at once, instead of at the bound.
    const result = Promise.race([bound, early]);
    const settle = (): void => {
      if (fail) this.pending.delete(fail);
      if (diagnosed) this.tlsWaiters.delete(diagnosed);
    };
    return result.then(
      (value) => {
        settle();
        // An old error event must not explain a later, unrelated failure.
        this.lastError = undefined;
        return value;
      },
      async (error: unknown) => {
        settle();
        this.dropIfStale(error);
        throw await this.explained(error);
      },
    );
  }

  /**
   * librdkafka reports an untrusted CA, an expired certificate or a refused OAUTHBEARER client as
   * "unreachable" or "authentication failed"; this names the actual cause (checked at most every
   * few seconds, so that the calls of one refresh share one check).
   */
  private explained(error: unknown): Promise<unknown> {
    if (!(error instanceof KafkaClientError)) return Promise.resolve(error);
    const now = Date.now();
    const last = this.diagnosis;
    if (!last || last.reason !== error.reason || now - last.at > DIAGNOSIS_REUSE_MS) {
      const cause = explainSecurityFailure(this.connection, error, Math.min(5000, this.timeoutMs));
      this.diagnosis = { at: now, reason: error.reason, cause };
    }
    return this.diagnosis!.cause.then((cause) => cause ?? error);
  }

  /**
   * On a client error of a TLS connection, checks the handshake with Node's TLS (whose failures
   * name their cause) once at a time; a cause found fails the waiting calls with it.
   */
  private diagnoseTlsNow(): void {
    const protocol = this.connection.securityProtocol ?? 'PLAINTEXT';
    if ((protocol !== 'SSL' && protocol !== 'SASL_SSL') || this.tlsDiagnosing) return;
    this.tlsDiagnosing = true;
    void diagnoseTls(this.connection, Math.min(5000, this.timeoutMs))
      .catch(() => undefined)
      .then((cause) => {
        this.tlsDiagnosing = false;
        if (!cause) return;
        this.tlsCause = { at: Date.now(), cause };
        for (const reject of [...this.tlsWaiters]) reject(cause);
      });
  }

  /**
   * After a call timed out or found no broker, the next one starts from a new client. librdkafka's
   * admin client sends some requests (DescribeTopics among them) to the broker its last metadata
   * named as controller, and an admin client follows no topic, so nothing refreshes that metadata:
   * with that broker killed on a three-broker cluster, every later describe timed out although
   * two brokers were up (test/integration-cluster). A new client bootstraps from a live broker.
   */
  private dropIfStale(error: unknown): void {
    if (!(error instanceof KafkaClientError) || (error.reason !== 'timeout' && error.reason !== 'brokerUnreachable'))
      return;
    this.logger.debug(`dropping the admin client after "${error.reason}": the next call connects anew`);
    this.lastError = undefined;
    this.close();
  }

  private nativeReturned(client: AdminWithMetadata): void {
    const left = (this.inFlight.get(client) ?? 1) - 1;
    if (left > 0) {
      this.inFlight.set(client, left);
      return;
    }
    this.inFlight.delete(client);
    if (this.closing.delete(client)) setImmediate(() => disconnectQuietly(client));
  }

  metadata(): Promise<Metadata> {
    return this.call<Metadata>({ operation: 'read cluster metadata' }, (admin, timeout, done) => {
      if (!admin._client?.getMetadata) throw new Error('the native admin client has no getMetadata');
      admin._client.getMetadata({ allTopics: true, timeout }, (err, m) => done(err, m));
    });
  }

  async describeTopic(topic: string): Promise<TopicDescription> {
    const subject = { operation: `describe topic "${topic}"`, topic };
    const [description] = await this.call<TopicDescription[]>(subject, (admin, timeout, done) =>
      admin.describeTopics([topic], { timeout }, (err, d) => done(err, d)),
    );
    if (!description) throw toAdminError({ code: 3, message: 'no description' }, subject, this.context);
    if (description.error) throw toAdminError(description.error, subject, this.context);
    return description;
  }

  async listOffsets(partitions: readonly TopicPartitionRef[], spec: unknown): Promise<Map<string, number>> {
    if (partitions.length === 0) return new Map();
    const subject = { operation: `list offsets of ${partitions.length} partition(s)`, topic: partitions[0]?.topic };
    // Right after a topic is created or grows, a partition's leader may not be known yet: retry briefly.
    for (let attempt = 1; ; attempt++) {
      const results = await this.call<ListOffsetsResult[]>(subject, (admin, timeout, done) =>
        admin.listOffsets(
          partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: spec as never })),
          { timeout },
          (err, r) => done(err, r),
        ),
      );
      const failed = results.find((r) => r.error);
      if (!failed?.error) return new Map(results.map((r) => [partitionKey(r.topic, r.partition), Number(r.offset)]));
      if (attempt >= 5 || !leaderMovingCodes.has(failed.error.code))
        throw toAdminError(failed.error, { ...subject, topic: failed.topic }, this.context);
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }

  async withGroupConsumer<T>(groupId: string, fn: (consumer: GroupConsumer) => Promise<T>): Promise<T> {
    const consumer = await GroupConsumer.open(this.connection, groupId, this.timeoutMs, this.context, this.logger);
    try {
      return await fn(consumer);
    } finally {
      await consumer.close();
    }
  }
}

function disconnectQuietly(client: IAdminClient): void {
  try {
    client.disconnect();
  } catch {
    // Already disconnected.
  }
}
