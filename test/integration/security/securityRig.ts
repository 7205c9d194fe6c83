// The secured half of the test rig as the security tests see it: the TLS listeners, the OIDC
// identity provider, the registry behind TLS + basic auth (test/services.json, scripts/lib/security.sh),
// a logger that records every line, and a round trip through the project's own clients.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LibrdkafkaConfig } from '../../../src/core/kafka/connection';
import { ConsumerSession } from '../../../src/core/engine/session';
import { KafkaAdmin } from '../../../src/core/kafka/admin';
import { type ClusterConnection, toLibrdkafkaConfig } from '../../../src/core/kafka/connection';
import { loadNativeClient } from '../../../src/core/kafka/nativeClient';
import { createLogger, type Logger } from '../../../src/core/logging';
import { type ServicesConfig, uniqueName, waitFor } from '../../support/services';

interface SecuredServices {
  kafka: { ssl: string; mtls: string; saslSsl: string; sslExpired: string; sslWrongHost: string };
  tls: { dir: string; clientKeyPassword: string };
  oauth: {
    tokenEndpoint: string;
    clients: Record<'good' | 'expired', { clientId: string; clientSecret: string }>;
  };
  registryTls: { url: string; username: string; password: string };
}

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');
// KAFKA_LAB_SERVICES_JSON points at a second rig, as it does for scripts/services.sh.
const servicesJson = process.env.KAFKA_LAB_SERVICES_JSON ?? path.join(repoRoot, 'test', 'services.json');
export const secured: SecuredServices & ServicesConfig = JSON.parse(fs.readFileSync(servicesJson, 'utf8'));

const tlsDir = path.join(repoRoot, secured.tls.dir);
export const tlsFiles = {
  ca: path.join(tlsDir, 'ca.crt'),
  otherCa: path.join(tlsDir, 'other-ca.crt'),
  clientCert: path.join(tlsDir, 'client.crt'),
  clientKey: path.join(tlsDir, 'client.key'),
  clientEncryptedKey: path.join(tlsDir, 'client-encrypted.key'),
};

/** Every secret of the secured rig: none may appear in a log line or an error text. */
export const rigSecrets: readonly string[] = [
  secured.users.scram.password,
  secured.tls.clientKeyPassword,
  secured.oauth.clients.good.clientSecret,
  secured.oauth.clients.expired.clientSecret,
  secured.registryTls.password,
];

/** Fails the suite at once, with the fix, when the rig has no TLS listeners yet. */
export function requireSecuredRig(): void {
  if (!fs.existsSync(tlsFiles.ca))
    throw new Error(
      `the TLS rig is not set up (${tlsFiles.ca} is missing): run npm run services:start (or bash scripts/services.sh stop && bash scripts/services.sh start for a broker started before the TLS listeners existed)`,
    );
}

/** A logger that keeps every line it is given (after the logger's own redaction, as a sink sees it). */
export function recordingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger((level, line) => lines.push(`${level} ${line}`)), lines };
}

/** Asserts that none of `secrets` appears in any of `texts` (log lines, error messages). */
export function assertNoSecrets(texts: readonly string[], secrets: readonly string[]): void {
  for (const secret of secrets) {
    assert.ok(secret.length >= 4, 'a secret to look for is too short to mean anything');
    const hit = texts.find((t) => t.includes(secret));
    assert.equal(hit, undefined, `a secret appears in: ${hit?.replace(secret, '<SECRET>')}`);
  }
}

export const sslConnection = (extra: Partial<ClusterConnection> = {}): ClusterConnection => ({
  bootstrapServers: secured.kafka.ssl,
  securityProtocol: 'SSL',
  tls: { caLocation: tlsFiles.ca },
  ...extra,
});

/** Produces one record through librdkafka with the connection's own config, waiting for its ack. */
async function produceOne(connection: ClusterConnection, topic: string, value: string): Promise<void> {
  const kafka = loadNativeClient();
  const producer = new kafka.Producer({
    ...(toLibrdkafkaConfig(connection) as LibrdkafkaConfig),
    dr_cb: true,
    acks: -1,
  } as never);
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 15_000 }, (err) => (err ? reject(err) : resolve())),
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no delivery report within 20 s')), 20_000);
      producer.on('delivery-report', (err) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      });
      producer.setPollInterval(50);
      producer.produce(topic, 0, Buffer.from(value), 'k', Date.now());
    });
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(5_000, () => resolve()));
  }
}

/**
 * Over `connection` alone: creates a topic with the admin client, finds it in the topic list, reads
 * its configs (through kafkajs), produces a record, consumes it in an engine session (stepping,
 * acked, committed), reads the group's committed offset, then deletes the group and the topic.
 */
export async function roundTrip(connection: ClusterConnection, logger: Logger, label: string): Promise<void> {
  const topic = uniqueName(`it-sec-${label}`);
  const groupId = uniqueName(`it-sec-${label}-group`);
  const admin = new KafkaAdmin(connection, { timeoutMs: 15_000, logger });
  let groupCreated = false;
  try {
    await admin.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
    // A new topic reaches the metadata a moment after its creation is acknowledged.
    await waitFor(`${topic} in the topic list over ${label}`, 15_000, async () =>
      (await admin.listTopics()).some((t) => t.name === topic) ? true : undefined,
    );
    // Topic configs come through kafkajs, with its own TLS and SASL set-up from the same connection.
    const configs = await admin.describeTopicConfigs(topic);
    assert.ok(
      configs.some((c) => c.name === 'cleanup.policy'),
      `no cleanup.policy among ${configs.length} configs of ${topic} over ${label}`,
    );
    const value = `over ${label} ${Date.now()}`;
    await produceOne(connection, topic, value);

    const session = new ConsumerSession(
      {
        connection,
        groupId,
        topics: [topic],
        mode: 'stepping',
        autoOffsetReset: 'earliest',
        commitPolicy: { kind: 'perMessage' },
      },
      { logger },
    );
    groupCreated = true;
    await session.start();
    try {
      const message = await session.nextAwaiting(30_000);
      assert.equal(message.value?.toString(), value);
      await session.decide(message.id, { kind: 'ack' });
    } finally {
      await session.stop();
    }
    const offsets = await admin.groupOffsets(groupId, [topic]);
    assert.deepEqual(
      offsets.map((o) => [o.partition, Number(o.committed)]),
      [[0, 1]],
      `committed offsets of ${groupId}`,
    );
  } finally {
    if (groupCreated) await admin.deleteGroup(groupId).catch(() => undefined);
    await admin.deleteTopic(topic).catch(() => undefined);
    admin.close();
  }
}
