import { strict as assert } from 'node:assert';
import { KafkaClientError } from '../../../../src/core/errors';
import type { FetchLike } from '../../../../src/core/kafka/oauthToken';
import { diagnoseOAuth } from '../../../../src/core/kafka/securityDiagnosis';

const sasl = {
  mechanism: 'OAUTHBEARER' as const,
  tokenEndpointUrl: 'https://idp.example/oauth2/token',
  clientId: 'app',
  clientSecret: 's3cr3t-value',
};
const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

function jwt(claims: Record<string, unknown>): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const answer =
  (status: number, body: unknown): FetchLike =>
  async () => ({ ok: status < 300, status, text: async () => JSON.stringify(body) });

describe('diagnoseOAuth: why librdkafka said "authentication failure"', () => {
  it('a token whose exp has passed is tokenExpired, with both times and without the token', async () => {
    const token = jwt({ sub: 'app', exp: NOW / 1000 - 3600 });
    const error = await diagnoseOAuth(sasl, {
      timeoutMs: 1000,
      now: () => NOW,
      fetch: answer(200, { access_token: token, expires_in: 1 }),
    });
    assert.ok(error instanceof KafkaClientError);
    assert.equal(error.reason, 'tokenExpired');
    assert.match(error.message, /exp 2026-12-01T11:00:00\.000Z, now 2026-12-01T12:00:00\.000Z/);
    assert.ok(!error.message.includes(token) && !error.message.includes(sasl.clientSecret));
  });

  it('a valid token means the broker refused it: no diagnosis of ours', async () => {
    const valid = jwt({ sub: 'app', exp: NOW / 1000 + 3600 });
    assert.equal(
      await diagnoseOAuth(sasl, { timeoutMs: 1000, now: () => NOW, fetch: answer(200, { access_token: valid }) }),
      undefined,
    );
    // An opaque (non-JWT) token cannot be judged here either.
    assert.equal(
      await diagnoseOAuth(sasl, { timeoutMs: 1000, now: () => NOW, fetch: answer(200, { access_token: 'opaque' }) }),
      undefined,
    );
  });

  it('a refusal and an unreachable endpoint keep their own reasons', async () => {
    const refused = await diagnoseOAuth(sasl, { timeoutMs: 1000, fetch: answer(401, { error: 'invalid_client' }) });
    assert.equal(refused?.reason, 'tokenRefused');
    const unreachable = await diagnoseOAuth(sasl, {
      timeoutMs: 1000,
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) });
      },
    });
    assert.equal(unreachable?.reason, 'tokenEndpointUnreachable');
    assert.ok(!unreachable?.message.includes(sasl.clientSecret));
  });
});
