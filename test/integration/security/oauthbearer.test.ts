import { strict as assert } from 'node:assert';
import { type ClusterSettings, secretKey } from '../../../src/core/connections/clusterSettings';
import { testConnection } from '../../../src/core/connections/connectionTest';
import { KafkaClientError, type KafkaClientErrorReason } from '../../../src/core/errors';
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
  tlsFiles,
} from './securityRig';
import { freeLoopbackPort } from '../../support/services';

const PROBE_TIMEOUT_MS = 10_000;
const { good, expired } = secured.oauth.clients;

const oauth = (
  client: { clientId: string; clientSecret: string },
  tokenEndpointUrl = secured.oauth.tokenEndpoint,
): ClusterConnection => ({
  bootstrapServers: secured.kafka.saslSsl,
  securityProtocol: 'SASL_SSL',
  tls: { caLocation: tlsFiles.ca },
  sasl: { mechanism: 'OAUTHBEARER', tokenEndpointUrl, ...client },
});

/** Below the ephemeral range, so that nothing (not even the client itself) answers on it. */
const closedPort = freeLoopbackPort;

async function failure(connection: ClusterConnection, secrets: readonly string[]): Promise<KafkaClientError> {
  const { logger, lines } = recordingLogger();
  const started = Date.now();
  const error = await probeCluster(connection, { timeoutMs: PROBE_TIMEOUT_MS, logger }).then(
    () => assert.fail('the broker accepted a client that should have failed'),
    (e: unknown) => e,
  );
  const elapsed = Date.now() - started;
  assert.ok(error instanceof KafkaClientError, `not a KafkaClientError: ${String(error)}`);
  assert.ok(elapsed <= PROBE_TIMEOUT_MS + 3_000, `took ${elapsed} ms, past the ${PROBE_TIMEOUT_MS} ms bound`);
  assertNoSecrets([error.message, ...lines], secrets);
  return error;
}

describe('OAUTHBEARER (OIDC client credentials) against the real broker and the rig identity provider', function () {
  this.timeout(120_000);
  before(requireSecuredRig);

  it('a good client gets a token, the broker validates it against the JWKS, and a record goes through', async () => {
    const { logger, lines } = recordingLogger();
    const connection = oauth(good);
    const probe = await probeCluster(connection, { timeoutMs: PROBE_TIMEOUT_MS, logger });
    assert.equal(probe.brokers.length, 1);
    await roundTrip(connection, logger, 'oauthbearer');
    assertNoSecrets(lines, rigSecrets);
  });

  it('the connection test reads the client secret from the secret store, never from settings', async () => {
    const cluster: ClusterSettings = {
      id: 'oauth-lab',
      name: 'OAuth lab',
      bootstrapServers: secured.kafka.saslSsl,
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'OAUTHBEARER', tokenEndpointUrl: secured.oauth.tokenEndpoint, clientId: good.clientId },
      tls: { caFile: tlsFiles.ca },
    };
    assertNoSecrets([JSON.stringify(cluster)], [good.clientSecret]);
    const store = new Map([[secretKey(cluster.id, 'oauthClientSecret'), good.clientSecret]]);
    const { logger, lines } = recordingLogger();
    const result = await testConnection(cluster, async (key) => store.get(key), {
      timeoutMs: PROBE_TIMEOUT_MS,
      logger,
    });
    assert.ok(result.kafka.ok, result.kafka.ok ? '' : `${result.kafka.reason}: ${result.kafka.message}`);
    assert.equal(result.kafka.authenticated, true);
    assertNoSecrets(lines, rigSecrets);
  });

  describe('each failure has its own typed reason, within the bound, with no secret in it', () => {
    const seen = new Map<KafkaClientErrorReason, string>();
    const note = (reason: KafkaClientErrorReason, what: string) => {
      assert.ok(!seen.has(reason), `${what} shares its reason with ${seen.get(reason)}`);
      seen.set(reason, what);
    };

    it('a wrong client secret: tokenRefused, naming the client and the endpoint', async () => {
      const wrong = `${good.clientSecret}-wrong`;
      const error = await failure(oauth({ clientId: good.clientId, clientSecret: wrong }), [...rigSecrets, wrong]);
      assert.equal(error.reason, 'tokenRefused', error.message);
      assert.match(error.message, new RegExp(`client "${good.clientId}"`));
      assert.match(error.message, /HTTP 401 invalid_client/);
      note(error.reason, 'wrong secret');
    });

    it('a token that has already expired: tokenExpired', async () => {
      const error = await failure(oauth(expired), rigSecrets);
      assert.equal(error.reason, 'tokenExpired', error.message);
      assert.match(error.message, new RegExp(`client "${expired.clientId}"`));
      note(error.reason, 'expired token');
    });

    it('an unreachable token endpoint: tokenEndpointUnreachable', async () => {
      const port = await closedPort();
      const error = await failure(oauth(good, `http://127.0.0.1:${port}/token`), rigSecrets);
      assert.equal(error.reason, 'tokenEndpointUnreachable', error.message);
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}/token`));
      note(error.reason, 'unreachable endpoint');
    });

    it('the explorer (its admin calls) names the same causes, not "authentication failed"', async () => {
      const wrong = `${good.clientSecret}-wrong`;
      const cases: Array<[ClusterConnection, KafkaClientErrorReason]> = [
        [oauth({ clientId: good.clientId, clientSecret: wrong }), 'tokenRefused'],
        [oauth(expired), 'tokenExpired'],
      ];
      for (const [connection, reason] of cases) {
        const { logger, lines } = recordingLogger();
        const admin = new KafkaAdmin(connection, { timeoutMs: PROBE_TIMEOUT_MS, logger });
        try {
          const error = await admin.listTopics().then(
            () => assert.fail('listed the topics with a client that should have failed'),
            (e: unknown) => e,
          );
          assert.ok(error instanceof KafkaClientError, String(error));
          assert.equal(error.reason, reason, error.message);
          assertNoSecrets([error.message, ...lines], [...rigSecrets, wrong]);
        } finally {
          admin.close();
        }
      }
    });

    after(() => assert.equal(seen.size, 3, [...seen].map(([r, w]) => `${w} → ${r}`).join('; ')));
  });
});
