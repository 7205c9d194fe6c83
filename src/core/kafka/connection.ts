import { KafkaClientError } from '../errors';

export type SecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type SaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export const securityProtocols: readonly SecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];
export const saslMechanisms: readonly SaslMechanism[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** How to reach a cluster. Secrets are resolved by the caller (from SecretStorage) just before use. */
export interface ClusterConnection {
  readonly bootstrapServers: string;
  readonly securityProtocol?: SecurityProtocol;
  readonly sasl?: { readonly mechanism: SaslMechanism; readonly username: string; readonly password: string };
  readonly clientId?: string;
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
    throw new KafkaClientError('invalidConfiguration', 'No bootstrap servers are set. Enter at least one host:port, for example 127.0.0.1:9092.');
  }
  for (const server of servers) {
    const match = hostPort.exec(server);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw new KafkaClientError('invalidConfiguration', `Bootstrap server "${server}" is not host:port. Use the form broker.example.com:9092, separated by commas.`);
    }
  }
  const protocol = connection.securityProtocol ?? 'PLAINTEXT';
  if (!securityProtocols.includes(protocol)) {
    throw new KafkaClientError('invalidConfiguration', `Security protocol "${protocol}" is not one of ${securityProtocols.join(', ')}.`);
  }
  const needsSasl = protocol.startsWith('SASL_');
  if (needsSasl && !connection.sasl) {
    throw new KafkaClientError('invalidConfiguration', `${protocol} needs a SASL mechanism, username and password. Add them to the connection.`);
  }
  if (connection.sasl && !saslMechanisms.includes(connection.sasl.mechanism)) {
    throw new KafkaClientError('invalidConfiguration', `SASL mechanism "${connection.sasl.mechanism}" is not one of ${saslMechanisms.join(', ')}.`);
  }
  if (!needsSasl && connection.sasl) {
    throw new KafkaClientError('invalidConfiguration', `SASL credentials are set but the security protocol is ${protocol}. Choose SASL_PLAINTEXT or SASL_SSL, or remove the credentials.`);
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
  if (connection.sasl) {
    config['sasl.mechanisms'] = connection.sasl.mechanism;
    config['sasl.username'] = connection.sasl.username;
    config['sasl.password'] = connection.sasl.password;
  }
  return config;
}
