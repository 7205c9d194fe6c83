import { X509Certificate, createPrivateKey } from 'node:crypto';
import * as fs from 'node:fs';
import { KafkaClientError, type KafkaClientErrorReason } from '../errors';

/** The TLS files of a connection (the shape of connection.ts's TlsSettings, kept apart to avoid an import cycle). */
export interface TlsFiles {
  readonly caLocation?: string;
  readonly certificateLocation?: string;
  readonly keyLocation?: string;
  readonly keyPassword?: string;
}

function tlsError(reason: KafkaClientErrorReason, message: string, cause?: unknown): KafkaClientError {
  return new KafkaClientError(reason, message, cause === undefined ? undefined : { cause });
}
function readFile(what: string, path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw tlsError(
      'invalidConfiguration',
      `The ${what} file ${path} cannot be read (${code}). Check the path in the connection's TLS settings.`,
      error,
    );
  }
}
export function errorCode(error: unknown): string {
  return typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : '';
}
const passwordCodes = new Set([
  'ERR_MISSING_PASSPHRASE',
  'ERR_OSSL_BAD_DECRYPT',
  'ERR_OSSL_EVP_BAD_DECRYPT',
  'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED',
]);

/** PKCS#8 "ENCRYPTED PRIVATE KEY", or a traditional PEM key with "Proc-Type: 4,ENCRYPTED". */
function isEncryptedPem(pem: Buffer): boolean {
  const text = pem.toString('latin1');
  return text.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /^Proc-Type:\s*4,ENCRYPTED/m.test(text);
}
/**
 * Checks the TLS files before a client is made: each is readable and parses, the key opens with
 * its password, and the certificate belongs to the key. Throws a typed error naming the file.
 * librdkafka would otherwise fail the client's creation with only "Erroneous state".
 */
export function checkTlsMaterial(connection: { readonly securityProtocol?: string; readonly tls?: TlsFiles }): void {
  const settings = connection.tls;
  if (!settings || (connection.securityProtocol !== 'SSL' && connection.securityProtocol !== 'SASL_SSL')) return;
  if (settings.caLocation) {
    try {
      new X509Certificate(readFile('CA', settings.caLocation));
    } catch (error) {
      if (error instanceof KafkaClientError) throw error;
      throw tlsError(
        'invalidConfiguration',
        `The CA file ${settings.caLocation} holds no PEM certificate. Use the CA certificate (PEM, "-----BEGIN CERTIFICATE-----") that signed the broker's certificate.`,
        error,
      );
    }
  }
  if (!settings.keyLocation || !settings.certificateLocation) return;
  const keyPem = readFile('client key', settings.keyLocation);
  const certPem = readFile('client certificate', settings.certificateLocation);
  let key;
  try {
    key = createPrivateKey({
      key: keyPem,
      format: 'pem',
      ...(settings.keyPassword ? { passphrase: settings.keyPassword } : {}),
    });
  } catch (error) {
    const code = errorCode(error);
    if (passwordCodes.has(code) || (isEncryptedPem(keyPem) && !settings.keyPassword)) {
      throw tlsError(
        'tlsKeyPasswordWrong',
        settings.keyPassword
          ? `The client key ${settings.keyLocation} does not open with the key password stored for this connection (${code}). Enter the key's password again with "Kafka: Edit Cluster Connection".`
          : `The client key ${settings.keyLocation} is encrypted and no key password is stored for this connection. Enter it with "Kafka: Edit Cluster Connection" (it goes to the secret store).`,
        error,
      );
    }
    throw tlsError(
      'invalidConfiguration',
      `The client key file ${settings.keyLocation} holds no PEM private key (${code || 'unreadable'}). Use the key (PEM) of the client certificate.`,
      error,
    );
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (error) {
    throw tlsError(
      'invalidConfiguration',
      `The client certificate file ${settings.certificateLocation} holds no PEM certificate.`,
      error,
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw tlsError(
      'invalidConfiguration',
      `The client certificate ${settings.certificateLocation} does not belong to the key ${settings.keyLocation}. Choose the key that was made with the certificate.`,
    );
  }
}
