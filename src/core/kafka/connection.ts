import { KafkaClientError } from '../errors';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'OAUTHBEARER';

export const securityProtocols: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
export const saslMechanisms: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

export type SaslSettings =
  | {
      readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
      readonly username: string;
      readonly password: string;
    }
  /** OAUTHBEARER with the client-credentials grant (librdkafka's OIDC method). */
  | {
      readonly mechanism: 'OAUTHBEARER';
      readonly tokenEndpointUrl: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly scope?: string;
    };

/** TLS material by file path (librdkafka reads the files); the key password is a secret. */
export interface TlsSettings {
  readonly caLocation?: string;
  readonly certificateLocation?: string;
  readonly keyLocation?: string;
  readonly keyPassword?: string;
}

/** How to reach a cluster. Secrets are resolved by the caller (from SecretStorage) just before use. */
export interface ClusterConnection {
  readonly bootstrapServers: string;
  readonly securityProtocol?: SecurityProtocol;
  readonly sasl?: SaslSettings;
  readonly tls?: TlsSettings;
  readonly clientId?: string;
}

/** The identity a connection authenticates as, for messages (never a secret). */
export function principalOf(connection: ClusterConnection): string | undefined {
  const sasl = connection.sasl;
  if (!sasl) return undefined;
  return sasl.mechanism === 'OAUTHBEARER' ? `client ${sasl.clientId}` : sasl.username;
}

export type LibrdkafkaConfig = Record<string, string | number | boolean>;

const hostPort = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/** Checks what librdkafka would otherwise only reject late (or silently retry forever). */
export function validateConnection(connection: ClusterConnection): void {
  const servers = connection.bootstrapServers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) {
    throw new KafkaClientError(
      'invalidConfiguration',
      'No bootstrap servers are set. Enter at least one host:port, for example 127.0.0.1:9092.',
    );
  }
  for (const server of servers) {
    const match = hostPort.exec(server);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw new KafkaClientError(
        'invalidConfiguration',
        `Bootstrap server "${server}" is not host:port. Use the form broker.example.com:9092, separated by commas.`,
      );
    }
  }
  const protocol = connection.securityProtocol ?? 'PLAINTEXT';
  if (!securityProtocols.includes(protocol)) {
    throw new KafkaClientError(
      'invalidConfiguration',
      `Security protocol "${protocol}" is not one of ${securityProtocols.join(', ')}.`,
    );
  }
  const needsSasl = protocol.startsWith('SASL_');
  if (needsSasl && !connection.sasl) {
    throw new KafkaClientError(
      'invalidConfiguration',
      `${protocol} needs a SASL mechanism, username and password. Add them to the connection.`,
    );
  }
  if (connection.sasl && !saslMechanisms.includes(connection.sasl.mechanism)) {
    throw new KafkaClientError(
      'invalidConfiguration',
      `SASL mechanism "${connection.sasl.mechanism}" is not one of ${saslMechanisms.join(', ')}.`,
    );
  }
  if (connection.sasl?.mechanism === 'OAUTHBEARER') {
    if (!/^https?:\/\//.test(connection.sasl.tokenEndpointUrl ?? '')) {
      throw new KafkaClientError(
        'invalidConfiguration',
        'OAUTHBEARER needs the token endpoint URL of the identity provider (https://...).',
      );
    }
    if (!connection.sasl.clientId) throw new KafkaClientError('invalidConfiguration', 'OAUTHBEARER needs a client id.');
  }
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  if (
    !usesTls &&
    connection.tls &&
    (connection.tls.caLocation || connection.tls.certificateLocation || connection.tls.keyLocation)
  ) {
    throw new KafkaClientError(
      'invalidConfiguration',
      `TLS files are set but the security protocol is ${protocol}. Choose SSL or SASL_SSL, or remove the files.`,
    );
  }
  if (connection.tls && !!connection.tls.certificateLocation !== !!connection.tls.keyLocation) {
    throw new KafkaClientError(
      'invalidConfiguration',
      'A client certificate needs its key file, and a key file its certificate. Set both, or neither.',
    );
  }
  if (!needsSasl && connection.sasl) {
    throw new KafkaClientError(
      'invalidConfiguration',
      `SASL credentials are set but the security protocol is ${protocol}. Choose SASL_PLAINTEXT or SASL_SSL, or remove the credentials.`,
    );
  }
}

/** The librdkafka properties for a connection. Never auto-commits: commits are decisions. */
export function toLibrdkafkaConfig(connection: ClusterConnection): LibrdkafkaConfig {
  validateConnection(connection);
  const config: LibrdkafkaConfig = {
    'bootstrap.servers': connection.bootstrapServers,
    'client.id': connection.clientId ?? 'kafka-consumer-lab',
    'security.protocol': (connection.securityProtocol ?? 'PLAINTEXT').toLowerCase(),
  };
  const sasl = connection.sasl;
  if (sasl) {
    config['sasl.mechanisms'] = sasl.mechanism;
    if (sasl.mechanism === 'OAUTHBEARER') {
      config['sasl.oauthbearer.method'] = 'oidc';
      config['sasl.oauthbearer.token.endpoint.url'] = sasl.tokenEndpointUrl;
      config['sasl.oauthbearer.client.id'] = sasl.clientId;
      config['sasl.oauthbearer.client.secret'] = sasl.clientSecret;
      if (sasl.scope) config['sasl.oauthbearer.scope'] = sasl.scope;
    } else {
      config['sasl.username'] = sasl.username;
      config['sasl.password'] = sasl.password;
    }
  }
  const tls = connection.tls;
  if (tls?.caLocation) config['ssl.ca.location'] = tls.caLocation;
  if (tls?.certificateLocation) config['ssl.certificate.location'] = tls.certificateLocation;
  if (tls?.keyLocation) config['ssl.key.location'] = tls.keyLocation;
  if (tls?.keyPassword) config['ssl.key.password'] = tls.keyPassword;
  return config;
}
