import type { IAdminClient, TopicDescription } from '@confluentinc/kafka-javascript';
import { type ClusterConnection, toLibrdkafkaConfig } from './connection';
import { loadNativeClient } from './nativeClient';

/** Kafka's authorisation error codes (the protocol's, stable), by the names the broker gives them. */
export const AuthorizationCode = {
  TOPIC_AUTHORIZATION_FAILED: 29,
  GROUP_AUTHORIZATION_FAILED: 30,
  CLUSTER_AUTHORIZATION_FAILED: 31,
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 53,
} as const;

const UNKNOWN_TOPIC_OR_PART = 3;

/**
 * What the cluster says about one topic to this principal. The binding's getMetadata drops a
 * topic's error: a topic the principal may not DESCRIBE is simply absent there, exactly like one
 * that does not exist. DescribeTopics keeps the error, so it tells the two apart.
 */
export type TopicAccess =
  | { readonly kind: 'visible'; readonly partitions: number }
  | { readonly kind: 'notFound' }
  /** TOPIC_AUTHORIZATION_FAILED: the broker does not even say whether the topic exists. */
  | { readonly kind: 'notAuthorized'; readonly code: number }
  /** DescribeTopics itself failed (timeout, broker down): say so rather than guess. */
  | { readonly kind: 'unknown'; readonly detail: string };

/**
 * Asks DescribeTopics about `topic` through a short-lived admin client of its own, bounded by
 * `timeoutMs`. Only called when metadata did not show the topic, so it costs nothing on the usual
 * path. (An admin client derived from a busy consumer's handle kept the process from exiting once
 * that consumer's topic was deleted: its own client avoids sharing the handle.)
 */
export function describeTopicAccess(
  connection: ClusterConnection,
  topic: string,
  timeoutMs: number,
): Promise<TopicAccess> {
  return new Promise<TopicAccess>((resolve) => {
    let admin: IAdminClient | undefined;
    let settled = false;
    const done = (access: TopicAccess): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        admin?.disconnect();
      } catch {
        // already closed
      }
      resolve(access);
    };
    // librdkafka keeps its own timeout; this one holds even when it does not.
    const timer = setTimeout(
      () => done({ kind: 'unknown', detail: `DescribeTopics gave no answer within ${timeoutMs} ms` }),
      timeoutMs + 1_000,
    );
    try {
      admin = loadNativeClient().AdminClient.create(
        toLibrdkafkaConfig({ ...connection, clientId: connection.clientId ?? 'kafka-consumer-lab-access' }) as never,
      );
      admin.describeTopics([topic], { timeout: timeoutMs }, (err, descriptions: TopicDescription[]) => {
        if (err) return done({ kind: 'unknown', detail: err.message });
        const description = descriptions?.find((d) => d.name === topic);
        const code = description?.error?.code;
        if (code === AuthorizationCode.TOPIC_AUTHORIZATION_FAILED) return done({ kind: 'notAuthorized', code });
        if (code === UNKNOWN_TOPIC_OR_PART || code === -188 /* local UNKNOWN_TOPIC */ || !description)
          return done({ kind: 'notFound' });
        if (code !== undefined && code !== 0)
          return done({ kind: 'unknown', detail: description.error?.message ?? `error ${code}` });
        done({ kind: 'visible', partitions: description.partitions.length });
      });
    } catch (error) {
      done({ kind: 'unknown', detail: error instanceof Error ? error.message : String(error) });
    }
  });
}

/** Who the connection is, for a message: `user "alice"`, or `this connection` when it has no SASL user. */
export function principalText(principal: string | undefined): string {
  return principal ? `user "${principal}"` : 'this connection';
}

/**
 * Why a write to `topic` was refused, in plain words, and what to do. The broker's error name is
 * kept so it can be looked up and matched against the broker's own log.
 */
export function writeDeniedMessage(code: number | undefined, topic: string, principal: string | undefined): string {
  const who = principalText(principal);
  switch (code) {
    case AuthorizationCode.CLUSTER_AUTHORIZATION_FAILED:
      return (
        `The broker refused the write (CLUSTER_AUTHORIZATION_FAILED): ${who} may not write idempotently to this cluster. ` +
        `Ask the cluster administrator for IDEMPOTENT_WRITE on the cluster (or WRITE on topic "${topic}", which includes it), or connect as another principal. Nothing was written.`
      );
    case AuthorizationCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return (
        `The broker refused the transactional write (TRANSACTIONAL_ID_AUTHORIZATION_FAILED): ${who} may not use this transactional id. ` +
        `Ask the cluster administrator for WRITE and DESCRIBE on the transactional id, or connect as another principal. Nothing was written.`
      );
    default:
      return (
        `The broker refused the write (TOPIC_AUTHORIZATION_FAILED): ${who} is not authorised to write to topic "${topic}". ` +
        `Ask the cluster administrator for WRITE on topic "${topic}" (a WRITE ACL for this principal; it includes DESCRIBE), or connect as another principal. Nothing was written.`
      );
  }
}
