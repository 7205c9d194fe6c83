import * as fs from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { KafkaClientError, type KafkaClientErrorReason } from '../errors';
import type { ClusterConnection, SaslSettings } from './connection';
import { fetchClientCredentialsToken, type FetchLike } from './oauthToken';
import { errorCode } from './tlsMaterial';

/*
 * librdkafka reports every broker certificate problem as one "ssl error" (and a missing client
 * certificate as a transport failure), and every OAUTHBEARER problem as one "authentication
 * failure"; its log names the cause only in free text. To tell the user which of them it is, the
 * same material is checked here with Node's own TLS and HTTP, whose failures carry codes.
 */
function tlsError(reason: KafkaClientErrorReason, message: string, cause?: unknown): KafkaClientError {
  return new KafkaClientError(reason, message, cause === undefined ? undefined : { cause });
}
const hostnameCodes = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const expired = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** Alerts a server sends when it wants a client certificate, or refuses the one it got. */
const clientCertificateAlerts = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

function firstServer(connection: ClusterConnection): { host: string; port: number } | undefined {
  const first = connection.bootstrapServers.split(',')[0]?.trim() ?? '';
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(first);
  return match ? { host: match[1] as string, port: Number(match[2]) } : undefined;
}

function commonName(subject: tls.Certificate | undefined): string {
  const cn = subject?.CN;
  return Array.isArray(cn) ? cn.join(', ') : (cn ?? '?');
}

/**
 * One TLS handshake with the first bootstrap server, using the connection's CA, client
 * certificate and key, bounded by `timeoutMs`. Returns the typed error that names what is wrong
 * (untrusted CA, expired certificate, host name mismatch, client certificate wanted or refused),
 * or undefined when the handshake is fine or the cause is not a TLS one.
 */
export async function diagnoseTls(
  connection: ClusterConnection,
  timeoutMs: number,
): Promise<KafkaClientError | undefined> {
  const server = firstServer(connection);
  if (!server) return undefined;
  const settings = connection.tls ?? {};
  let ca: Buffer | undefined;
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  try {
    ca = settings.caLocation ? fs.readFileSync(settings.caLocation) : undefined;
    cert = settings.certificateLocation ? fs.readFileSync(settings.certificateLocation) : undefined;
    key = settings.keyLocation ? fs.readFileSync(settings.keyLocation) : undefined;
  } catch {
    return undefined; // checkTlsMaterial names unreadable files.
  }
  const hasClientCertificate = !!(cert && key);
  const where = `${server.host}:${server.port}`;
  const caHint = settings.caLocation
    ? `the CA file ${settings.caLocation}`
    : "the system's trusted CAs (no CA file is set)";
  return new Promise((resolve) => {
    let done = false;
    let alertTimer: NodeJS.Timeout | undefined;
    const finish = (result: KafkaClientError | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(alertTimer);
      socket.destroy();
      resolve(result);
    };
    const clientCertificateProblem = (code: string): KafkaClientError =>
      hasClientCertificate
        ? tlsError(
            'tlsClientCertificateRejected',
            `The broker at ${where} refused the client certificate ${settings.certificateLocation} (${code}). Use a client certificate signed by a CA the cluster trusts, or ask the cluster's operators to trust its CA.`,
          )
        : tlsError(
            'tlsClientCertificateRequired',
            `The broker at ${where} requires a client certificate (mutual TLS) and this connection has none (${code}). Set the connection's client certificate and key files.`,
          );
    const socket = tls.connect({
      host: server.host,
      port: server.port,
      ...(net.isIP(server.host) ? {} : { servername: server.host }),
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key, ...(settings.keyPassword ? { passphrase: settings.keyPassword } : {}) } : {}),
      // Verified below, so that the certificate can be named in the message. Nothing is ever
      // written on this connection: it only looks at the handshake, then closes.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    timer.unref?.();
    socket.on('secureConnect', () => {
      const peer = socket.getPeerCertificate();
      const code = socket.authorized ? '' : String(socket.authorizationError ?? '');
      const subject = `"${commonName(peer?.subject)}" issued by "${commonName(peer?.issuer)}"`;
      if (expired.has(code)) {
        return finish(
          tlsError(
            'tlsCertificateExpired',
            `The broker at ${where} presents a certificate that is not valid now (${code}): ${subject}, valid from ${peer?.valid_from ?? '?'} to ${peer?.valid_to ?? '?'}. The cluster's operators must renew the broker's certificate; check this machine's clock too.`,
          ),
        );
      }
      // Any other verification failure means the chain does not lead to a trusted CA.
      if (code && !hostnameCodes.has(code)) {
        return finish(
          tlsError(
            'tlsUntrustedCertificate',
            `The broker at ${where} presents a certificate (${subject}) that ${caHint} does not vouch for (${code}). Set the connection's CA file to the CA that signed the broker's certificate.`,
          ),
        );
      }
      if (hostnameCodes.has(code) || tls.checkServerIdentity(server.host, peer)) {
        const names = peer?.subjectaltname ?? `CN=${commonName(peer?.subject)}`;
        return finish(
          tlsError(
            'tlsHostnameMismatch',
            `The broker at ${where} presents a certificate for ${names}, not for ${server.host}. Connect by a name the certificate lists, or ask the cluster's operators for a certificate that lists ${server.host}.`,
          ),
        );
      }
      // TLS 1.3: a server that wants a client certificate says so by an alert after the handshake.
      socket.on('data', () => undefined);
      alertTimer = setTimeout(() => finish(undefined), Math.min(1500, timeoutMs));
      alertTimer.unref?.();
    });
    socket.on('error', (error) => {
      const code = errorCode(error);
      if (clientCertificateAlerts.has(code)) return finish(clientCertificateProblem(code));
      finish(undefined);
    });
    socket.on('close', () => finish(undefined));
  });
}

/**
 * After librdkafka's OAUTHBEARER "authentication failure": fetches a token the way librdkafka's
 * OIDC method does (client credentials) and names the cause: the endpoint unreachable, the client
 * refused, or an expired token. Undefined when a valid token comes back (then the broker refused
 * it). Never puts the token or the secret in a message.
 */
export async function diagnoseOAuth(
  sasl: Extract<SaslSettings, { mechanism: 'OAUTHBEARER' }>,
  options: { timeoutMs: number; fetch?: FetchLike; now?: () => number },
): Promise<KafkaClientError | undefined> {
  let token;
  try {
    token = await fetchClientCredentialsToken(sasl, options);
  } catch (error) {
    if (error instanceof KafkaClientError) return error;
    return undefined;
  }
  let exp: unknown;
  try {
    const payload = token.value.split('.')[1] ?? '';
    exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
  } catch {
    return undefined; // Not a JWT: only the broker can judge it.
  }
  const now = (options.now ?? Date.now)();
  if (typeof exp === 'number' && Number.isFinite(exp) && exp * 1000 <= now) {
    const at = new Date(exp * 1000).toISOString();
    return new KafkaClientError(
      'tokenExpired',
      `The identity provider issued client "${sasl.clientId}" a token that had already expired (exp ${at}, now ${new Date(now).toISOString()}). Check the identity provider's token lifetime and the clocks of this machine and the provider.`,
    );
  }
  return undefined;
}

/** Failures librdkafka reports the same way whatever the TLS or OAUTHBEARER problem behind them. */
const genericReasons: ReadonlySet<KafkaClientErrorReason> = new Set([
  'brokerUnreachable',
  'timeout',
  'unknown',
  'authenticationFailed',
]);

/**
 * The precise cause behind a generic failure (unreachable, timed out, authentication failed) of a
 * TLS or OAUTHBEARER connection, found with Node's own TLS handshake and token request, bounded by
 * `timeoutMs`; undefined when there is none to add (the error already says it, or the checks pass).
 */
export async function explainSecurityFailure(
  connection: ClusterConnection,
  error: unknown,
  timeoutMs: number,
): Promise<KafkaClientError | undefined> {
  if (!(error instanceof KafkaClientError) || !genericReasons.has(error.reason)) return undefined;
  const protocol = connection.securityProtocol ?? 'PLAINTEXT';
  if (protocol === 'SSL' || protocol === 'SASL_SSL') {
    const cause = await diagnoseTls(connection, timeoutMs).catch(() => undefined);
    if (cause) return cause;
  }
  const sasl = connection.sasl;
  if (sasl?.mechanism === 'OAUTHBEARER' && error.reason === 'authenticationFailed')
    return diagnoseOAuth(sasl, { timeoutMs }).catch(() => undefined);
  return undefined;
}
