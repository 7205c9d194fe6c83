import { KafkaClientError } from '../errors';

/** OAUTHBEARER with the client-credentials grant: what the identity provider needs. */
export interface ClientCredentials {
  readonly tokenEndpointUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
}

export interface BearerToken {
  readonly value: string;
  /** When the token stops being valid (from `expires_in`), if the provider said. */
  readonly expiresAtMs?: number;
}

export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
}>;

/** The endpoint without userinfo or query, for messages. */
function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * Fetches an access token with the client-credentials grant (RFC 6749 §4.4), the client
 * authenticating with HTTP Basic (§2.3.1), bounded by `timeoutMs`. Fails with a typed error that
 * names the endpoint and the client, never the secret.
 */
export async function fetchClientCredentialsToken(
  credentials: ClientCredentials,
  options: { timeoutMs: number; fetch?: FetchLike; now?: () => number },
): Promise<BearerToken> {
  const doFetch = options.fetch ?? (fetch as unknown as FetchLike);
  const where = displayUrl(credentials.tokenEndpointUrl);
  const who = `client "${credentials.clientId}"`;
  const basic = Buffer.from(
    `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`,
  ).toString('base64');
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    ...(credentials.scope ? { scope: credentials.scope } : {}),
  }).toString();
  const started = (options.now ?? Date.now)();
  let status: number;
  let text: string;
  try {
    const response = await doFetch(credentials.tokenEndpointUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    text = await response.text();
    if (!response.ok) return refused(status, text, where, who);
  } catch (error) {
    if (error instanceof KafkaClientError) throw error;
    const name = error instanceof Error ? error.name : '';
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new KafkaClientError(
        'timeout',
        `No answer from the OAUTHBEARER token endpoint ${where} within ${options.timeoutMs} ms. Check the token endpoint URL and that the identity provider is reachable.`,
        { cause: error },
      );
    }
    const detail = causeText(error);
    throw new KafkaClientError(
      'tokenEndpointUnreachable',
      `Could not reach the OAUTHBEARER token endpoint ${where}${detail ? ` (${detail})` : ''}. Check the token endpoint URL and that the identity provider is reachable.`,
      { cause: error },
    );
  }
  let token: { access_token?: unknown; expires_in?: unknown };
  try {
    token = JSON.parse(text) as typeof token;
  } catch {
    token = {};
  }
  if (typeof token.access_token !== 'string' || token.access_token === '') {
    throw new KafkaClientError(
      'authenticationFailed',
      `The OAUTHBEARER token endpoint ${where} answered HTTP ${status} without an access_token for ${who}. Check that the URL is the identity provider's token endpoint.`,
    );
  }
  const expiresIn = Number(token.expires_in);
  return {
    value: token.access_token,
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAtMs: started + expiresIn * 1000 } : {}),
  };
}

function refused(status: number, text: string, where: string, who: string): never {
  let code = '';
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string' && /^[\w.-]{1,64}$/.test(body.error)) code = ` ${body.error}`;
  } catch {
    // Not JSON: the status says enough.
  }
  throw new KafkaClientError(
    'tokenRefused',
    `The OAUTHBEARER token endpoint ${where} refused ${who} (HTTP ${status}${code}). Check the client id, the client secret stored for this connection, and the scope.`,
  );
}

/** fetch() reports network failures as "fetch failed" with the system error as its cause. */
function causeText(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A token provider for one client: fetches on first use and again shortly before the token
 * expires; concurrent callers share one request, and a failure is not cached.
 */
export function clientCredentialsProvider(
  credentials: ClientCredentials,
  options: { timeoutMs: number; fetch?: FetchLike; now?: () => number },
): () => Promise<BearerToken> {
  const now = options.now ?? Date.now;
  let current: Promise<BearerToken> | undefined;
  return () => {
    if (current) {
      const cached = current;
      return cached.then((token) =>
        token.expiresAtMs !== undefined && token.expiresAtMs - 30_000 <= now() ? refresh() : token,
      );
    }
    return refresh();
  };
  function refresh(): Promise<BearerToken> {
    const pending = fetchClientCredentialsToken(credentials, options);
    current = pending;
    pending.catch(() => {
      if (current === pending) current = undefined;
    });
    return pending;
  }
}
