import * as http from 'node:http';
import * as https from 'node:https';

/**
 * The HTTP layer under the registry client, kept behind an interface so that unit tests pass a
 * test double and never touch the network. It never throws: a request ends with a response (any
 * status) or with a classified transport failure.
 */
export interface RegistryHttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The whole exchange (connect, send, response body) must finish within this. */
  readonly timeoutMs: number;
}

export interface RegistryHttpResponse {
  readonly status: number;
  readonly body: string;
}

export type TransportFailureKind = 'unreachable' | 'timeout' | 'tls' | 'tooLarge';

export type RegistryHttpOutcome =
  | { readonly ok: true; readonly response: RegistryHttpResponse }
  | { readonly ok: false; readonly kind: TransportFailureKind; readonly detail: string };

export interface RegistryHttp {
  send(request: RegistryHttpRequest): Promise<RegistryHttpOutcome>;
  /** Releases pooled connections. */
  close(): void;
}

export interface NodeRegistryHttpOptions {
  /** PEM certificate(s) of a private CA that signs the registry's certificate. */
  readonly ca?: string | Buffer;
  /** Defaults to true; false only for a registry whose certificate cannot be verified at all. */
  readonly rejectUnauthorized?: boolean;
  /** Responses larger than this are refused (a schema is small; this guards against a wrong URL). */
  readonly maxResponseBytes?: number;
}

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

function classify(error: NodeJS.ErrnoException): { kind: TransportFailureKind; detail: string } {
  const code = error.code ?? '';
  if (tlsCodes.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return { kind: 'tls', detail: `${code}: ${error.message}` };
  }
  return { kind: 'unreachable', detail: code ? `${code}: ${error.message}` : error.message };
}

/** The production HTTP layer: node:http/https with keep-alive, a CA option and a hard deadline. */
export function createNodeRegistryHttp(options: NodeRegistryHttpOptions = {}): RegistryHttp {
  const maxBytes = options.maxResponseBytes ?? 16 * 1024 * 1024;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const httpsAgent = new https.Agent({
    keepAlive: true,
    maxSockets: 8,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    rejectUnauthorized: options.rejectUnauthorized ?? true,
  });

  const send = (request: RegistryHttpRequest): Promise<RegistryHttpOutcome> =>
    new Promise((resolve) => {
      const isHttps = request.url.protocol === 'https:';
      const transport = isHttps ? https : http;
      let settled = false;
      const finish = (outcome: RegistryHttpOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const headers: Record<string, string> = { ...request.headers };
      if (request.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(request.body));
      const req = transport.request(
        request.url,
        { method: request.method, headers, agent: isHttps ? httpsAgent : httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              finish({ ok: false, kind: 'tooLarge', detail: `the response exceeded ${maxBytes} bytes` });
              req.destroy();
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () =>
            finish({
              ok: true,
              response: { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') },
            }),
          );
          res.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, ...classify(error) }));
          res.on('aborted', () =>
            finish({ ok: false, kind: 'unreachable', detail: 'the connection closed mid-response' }),
          );
        },
      );
      // One deadline for the whole exchange: a registry that accepts connections but never answers
      // (a hung proxy, a black-holed port) must not hold a decode for longer than this.
      const timer = setTimeout(() => {
        finish({ ok: false, kind: 'timeout', detail: `no complete answer within ${request.timeoutMs} ms` });
        req.destroy();
      }, request.timeoutMs);
      timer.unref?.();
      req.on('error', (error: NodeJS.ErrnoException) => finish({ ok: false, ...classify(error) }));
      if (request.body !== undefined) req.write(request.body);
      req.end();
    });

  return {
    send,
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
