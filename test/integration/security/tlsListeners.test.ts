import { strict as assert } from 'node:assert';
import { parseCluster, resolveConnection, secretKey } from '../../../src/core/connections/clusterSettings';
import { testConnection } from '../../../src/core/connections/connectionTest';
import { KafkaClientError, type KafkaClientErrorReason } from '../../../src/core/errors';
import { ConsumerSession } from '../../../src/core/engine/session';
import { KafkaAdmin } from '../../../src/core/kafka/admin';
import { probeCluster } from '../../../src/core/kafka/clusterProbe';
import type { ClusterConnection } from '../../../src/core/kafka/connection';
import {
  assertNoSecrets,
  recordingLogger,
  requireSecuredRig,
  rigSecrets,
  roundTrip,
  secured,
  sslConnection,
  tlsFiles,
} from './securityRig';
import { uniqueName } from '../../support/services';

const PROBE_TIMEOUT_MS = 10_000;
const { scram } = secured.users;

const mtls = (tls: ClusterConnection['tls']): ClusterConnection => ({
  bootstrapServers: secured.kafka.mtls,
  securityProtocol: 'SSL',
  tls,
});
const saslSsl: ClusterConnection = {
  bootstrapServers: secured.kafka.saslSsl,
  securityProtocol: 'SASL_SSL',
  tls: { caLocation: tlsFiles.ca },
  sasl: scram,
};

/** Probes and returns the typed error, checking the bound and that no secret leaked into it or the log. */
async function failure(connection: ClusterConnection, secrets: readonly string[] = rigSecrets) {
  const { logger, lines } = recordingLogger();
  const started = Date.now();
  const error = await probeCluster(connection, { timeoutMs: PROBE_TIMEOUT_MS, logger }).then(
    () => assert.fail(`connected to ${connection.bootstrapServers}, which should have failed`),
    (e: unknown) => e,
  );
  const elapsed = Date.now() - started;
  assert.ok(error instanceof KafkaClientError, `not a KafkaClientError: ${String(error)}`);
  // The probe's own bound, plus the time it takes to close the client.
  assert.ok(elapsed <= PROBE_TIMEOUT_MS + 3_000, `took ${elapsed} ms, past the ${PROBE_TIMEOUT_MS} ms bound`);
  assertNoSecrets([error.message, ...lines], secrets);
  return error;
}

describe('TLS listeners on the real broker (SSL, mTLS, SASL_SSL)', function () {
  this.timeout(120_000);
  before(requireSecuredRig);

  describe('each listener connects, and a record goes through it in an engine session', () => {
    const cases: Array<[string, ClusterConnection]> = [
      ['ssl', sslConnection()],
      [
        'mtls',
        mtls({ caLocation: tlsFiles.ca, certificateLocation: tlsFiles.clientCert, keyLocation: tlsFiles.clientKey }),
      ],
      ['sasl-ssl-scram', saslSsl],
    ];
    for (const [label, connection] of cases) {
      it(`${label}: metadata, topic list, produce, consume, commit; nothing secret logged`, async () => {
        const { logger, lines } = recordingLogger();
        const probe = await probeCluster(connection, { timeoutMs: PROBE_TIMEOUT_MS, logger });
        assert.equal(probe.brokers.length, 1);
        await roundTrip(connection, logger, label);
        assert.ok(lines.length > 0, 'the clients logged nothing at all: the logger was not used');
        assertNoSecrets(lines, rigSecrets);
      });
    }
  });

  it('mTLS with an encrypted client key: the password comes from the secret store, never from settings', async () => {
    const raw = {
      id: 'mtls-encrypted',
      name: 'mTLS encrypted key',
      bootstrapServers: secured.kafka.mtls,
      securityProtocol: 'SSL',
      tls: { caFile: tlsFiles.ca, certFile: tlsFiles.clientCert, keyFile: tlsFiles.clientEncryptedKey },
    };
    // A key password in settings is refused.
    const inSettings = parseCluster(
      { ...raw, tls: { ...raw.tls, keyPassword: secured.tls.clientKeyPassword } },
      'kafkaLab.clusters[0]',
    );
    assert.equal(inSettings.cluster, undefined);
    assert.match(inSettings.problems.join('\n'), /tls\.keyPassword looks like a secret/);
    assertNoSecrets(inSettings.problems, [secured.tls.clientKeyPassword]);

    const { cluster } = parseCluster(raw, 'kafkaLab.clusters[0]');
    assert.ok(cluster);
    const store = new Map([[secretKey(cluster.id, 'tlsKeyPassword'), secured.tls.clientKeyPassword]]);
    const connection = await resolveConnection(cluster, async (key) => store.get(key));
    assert.equal(connection.tls?.keyPassword, secured.tls.clientKeyPassword);

    const { logger, lines } = recordingLogger();
    const result = await testConnection(cluster, async (key) => store.get(key), {
      timeoutMs: PROBE_TIMEOUT_MS,
      logger,
    });
    assert.ok(result.kafka.ok, result.kafka.ok ? '' : `${result.kafka.reason}: ${result.kafka.message}`);
    assert.equal(result.kafka.brokers, 1);
    await roundTrip(connection, logger, 'mtls-encrypted-key');
    assertNoSecrets(lines, rigSecrets);

    // No password stored: the connection test says which secret is missing.
    const missing = await testConnection(cluster, async () => undefined, { timeoutMs: PROBE_TIMEOUT_MS });
    assert.equal(missing.kafka.ok, false);
    assert.equal(missing.kafka.ok ? '' : missing.kafka.reason, 'missingSecret');
  });

  describe('each failure has its own typed reason, within the bound, with no secret in it', () => {
    const seen = new Map<KafkaClientErrorReason, string>();
    const expectReason = async (what: string, connection: ClusterConnection, reason: KafkaClientErrorReason) => {
      const error = await failure(connection);
      assert.equal(error.reason, reason, `${what}: ${error.message}`);
      assert.ok(!seen.has(reason) || seen.get(reason) === what, `${what} shares its reason with ${seen.get(reason)}`);
      seen.set(reason, what);
      return error;
    };

    it('a CA that did not sign the broker certificate: tlsUntrustedCertificate', async () => {
      const error = await expectReason(
        'untrusted CA',
        sslConnection({ tls: { caLocation: tlsFiles.otherCa } }),
        'tlsUntrustedCertificate',
      );
      assert.match(error.message, new RegExp(secured.kafka.ssl.replace(/\./g, '\\.')));
      assert.match(error.message, /Set the connection's CA file/);
    });

    it('an expired broker certificate: tlsCertificateExpired', async () => {
      const error = await expectReason(
        'expired certificate',
        sslConnection({ bootstrapServers: secured.kafka.sslExpired }),
        'tlsCertificateExpired',
      );
      assert.match(error.message, /renew the broker's certificate/);
    });

    it('a broker certificate for another host name: tlsHostnameMismatch', async () => {
      const error = await expectReason(
        'hostname mismatch',
        sslConnection({ bootstrapServers: secured.kafka.sslWrongHost }),
        'tlsHostnameMismatch',
      );
      assert.match(error.message, /wrong-host\.invalid, not for 127\.0\.0\.1/);
    });

    it('no client certificate on the mTLS listener: tlsClientCertificateRequired', async () => {
      await expectReason(
        'missing client certificate',
        mtls({ caLocation: tlsFiles.ca }),
        'tlsClientCertificateRequired',
      );
    });

    it('a wrong key password, and no key password, for the encrypted client key: tlsKeyPasswordWrong', async () => {
      const files = {
        caLocation: tlsFiles.ca,
        certificateLocation: tlsFiles.clientCert,
        keyLocation: tlsFiles.clientEncryptedKey,
      };
      const wrong = `${secured.tls.clientKeyPassword}-wrong`;
      const error = await failure(mtls({ ...files, keyPassword: wrong }), [...rigSecrets, wrong]);
      assert.equal(error.reason, 'tlsKeyPasswordWrong', error.message);
      assert.match(error.message, /does not open with the key password/);
      seen.set('tlsKeyPasswordWrong', 'wrong key password');
      const none = await failure(mtls(files));
      assert.equal(none.reason, 'tlsKeyPasswordWrong', none.message);
      assert.match(none.message, /no key password is stored/);
    });

    it('an engine session with the wrong key password fails to start with the same typed reason', async () => {
      const wrong = `${secured.tls.clientKeyPassword}-wrong`;
      const session = new ConsumerSession({
        connection: mtls({
          caLocation: tlsFiles.ca,
          certificateLocation: tlsFiles.clientCert,
          keyLocation: tlsFiles.clientEncryptedKey,
          keyPassword: wrong,
        }),
        groupId: uniqueName('it-sec-never-joins'),
        topics: ['it-sec-never-created'],
        mode: 'stepping',
      });
      const error = await session.start().then(
        () => assert.fail('a session started with a wrong key password'),
        (e: unknown) => e,
      );
      await session.stop().catch(() => undefined);
      assert.ok(error instanceof KafkaClientError, String(error));
      assert.equal(error.reason, 'tlsKeyPasswordWrong', error.message);
      assertNoSecrets([error.message], [wrong, secured.tls.clientKeyPassword]);
    });

    it('a wrong SCRAM password over SASL_SSL: authenticationFailed', async () => {
      const wrong = `${scram.password}-wrong`;
      const error = await failure({ ...saslSsl, sasl: { ...scram, password: wrong } }, [...rigSecrets, wrong]);
      assert.equal(error.reason, 'authenticationFailed', error.message);
      assert.match(error.message, new RegExp(`user "${scram.username}"`));
      seen.set('authenticationFailed', 'wrong SCRAM password');
    });

    it('a PLAINTEXT client on the SSL listener fails rather than hanging past the bound', async () => {
      const error = await failure({ bootstrapServers: secured.kafka.ssl });
      assert.ok(['brokerUnreachable', 'timeout'].includes(error.reason), `${error.reason}: ${error.message}`);
      assert.match(error.message, /security protocol|within/);
    });

    it('the explorer (its admin calls) names the same causes, not "unreachable"', async () => {
      const cases: Array<[ClusterConnection, KafkaClientErrorReason]> = [
        [sslConnection({ tls: { caLocation: tlsFiles.otherCa } }), 'tlsUntrustedCertificate'],
        [sslConnection({ bootstrapServers: secured.kafka.sslExpired }), 'tlsCertificateExpired'],
        [sslConnection({ bootstrapServers: secured.kafka.sslWrongHost }), 'tlsHostnameMismatch'],
        [mtls({ caLocation: tlsFiles.ca }), 'tlsClientCertificateRequired'],
      ];
      for (const [connection, reason] of cases) {
        const { logger, lines } = recordingLogger();
        const admin = new KafkaAdmin(connection, { timeoutMs: PROBE_TIMEOUT_MS, logger });
        try {
          const started = Date.now();
          const error = await admin.listTopics().then(
            () => assert.fail(`listed the topics of ${connection.bootstrapServers}, which should have failed`),
            (e: unknown) => e,
          );
          assert.ok(error instanceof KafkaClientError, String(error));
          assert.equal(error.reason, reason, error.message);
          assert.ok(Date.now() - started <= 2 * PROBE_TIMEOUT_MS, `took ${Date.now() - started} ms`);
          // A second call within the same refresh gets the same cause (one check serves both).
          const again = await admin.listGroups().then(
            () => assert.fail('listed the groups'),
            (e: unknown) => e,
          );
          assert.equal((again as KafkaClientError).reason, reason);
          assertNoSecrets([error.message, ...lines], rigSecrets);
        } finally {
          admin.close();
        }
      }
    });

    after(() => {
      // Six failures, six reasons.
      assert.equal(seen.size, 6, [...seen].map(([r, w]) => `${w} → ${r}`).join('; '));
    });
  });
});
