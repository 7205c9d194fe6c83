import { strict as assert } from 'node:assert';
import { KafkaClientError } from '../../../../src/core/errors';
import {
  clientCredentialsProvider,
  type FetchLike,
  fetchClientCredentialsToken,
} from '../../../../src/core/kafka/oauthToken';

const credentials = {
  tokenEndpointUrl: 'https://user:pw@idp.example/oauth2/token?x=1',
  clientId: 'app',
  clientSecret: 'very-secret',
};
const answer =
  (status: number, body: unknown): FetchLike =>
  async () => ({
    ok: status >= 200 && status < 300,
    status,
    text: async () => (typeof body === 'string' ? body : JSON.stringify(body)),
  });

async function failure(promise: Promise<unknown>): Promise<KafkaClientError> {
  const error = await promise.then(
    () => assert.fail('no error'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof KafkaClientError, String(error));
  assert.ok(!error.message.includes('very-secret') && !error.message.includes('pw@'), error.message);
  return error;
}

describe('OAUTHBEARER client-credentials token', () => {
  it('returns the access token and when it expires', async () => {
    const token = await fetchClientCredentialsToken(credentials, {
      timeoutMs: 1000,
      fetch: answer(200, { access_token: 'abc', expires_in: 60 }),
      now: () => 1_000,
    });
    assert.deepEqual(token, { value: 'abc', expiresAtMs: 61_000 });
  });

  it('a refusal names the endpoint, the client and the OAuth error, never the secret', async () => {
    const error = await failure(
      fetchClientCredentialsToken(credentials, {
        timeoutMs: 1000,
        fetch: answer(401, { error: 'invalid_client', error_description: 'bad secret' }),
      }),
    );
    assert.equal(error.reason, 'tokenRefused');
    assert.equal(
      error.message,
      'The OAUTHBEARER token endpoint https://idp.example/oauth2/token refused client "app" (HTTP 401 invalid_client). Check the client id, the client secret stored for this connection, and the scope.',
    );
  });

  it('an answer without a token, an unreachable endpoint, and no answer in time', async () => {
    assert.match(
      (await failure(fetchClientCredentialsToken(credentials, { timeoutMs: 1000, fetch: answer(200, '<html>') })))
        .message,
      /without an access_token/,
    );
    const unreachable = await failure(
      fetchClientCredentialsToken(credentials, {
        timeoutMs: 1000,
        fetch: async () => {
          throw new TypeError('fetch failed', {
            cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
          });
        },
      }),
    );
    assert.equal(unreachable.reason, 'tokenEndpointUnreachable');
    assert.match(
      unreachable.message,
      /Could not reach the OAUTHBEARER token endpoint https:\/\/idp\.example\/oauth2\/token \(ECONNREFUSED\)/,
    );
    const started = Date.now();
    const slow = await failure(
      fetchClientCredentialsToken(credentials, {
        timeoutMs: 50,
        fetch: (_url, init) =>
          new Promise((_resolve, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason))),
      }),
    );
    assert.equal(slow.reason, 'timeout');
    assert.ok(Date.now() - started < 1000);
  });

  it('the provider refetches near expiry and after a failure', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const fetch: FetchLike = async () => {
      calls++;
      if (fail) return { ok: false, status: 500, text: async () => '' };
      return {
        ok: true,
        status: 200,
        text: async () => JSON.stringify({ access_token: `t${calls}`, expires_in: 100 }),
      };
    };
    const provider = clientCredentialsProvider(credentials, { timeoutMs: 1000, fetch, now: () => now });
    assert.equal((await provider()).value, 't1');
    now = 60_000;
    assert.equal((await provider()).value, 't1');
    now = 75_000;
    assert.equal((await provider()).value, 't2');
    now = 200_000;
    fail = true;
    await assert.rejects(provider());
    fail = false;
    assert.equal((await provider()).value, 't4');
  });
});
