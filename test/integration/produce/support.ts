// What the produce integration tests share: the registry client, encoder and decoder, a producer
// on the local broker, reading a record back by offset (no group), and cleanup.
import { strict as assert } from 'node:assert';
import type { DecodeResult } from '../../../src/core/codec/decodeResult';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { PayloadEncoder } from '../../../src/core/codec/payloadEncoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import type { KafkaRecord } from '../../../src/core/kafka/record';
import { fetchRecord } from '../../../src/core/kafka/recordFetch';
import { RecordProducer } from '../../../src/core/produce/recordProducer';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import { services } from '../../support/services';

export const connection = { bootstrapServers: services.kafka.plaintext };

export function registryKit(): {
  client: SchemaRegistryClient;
  schemas: SchemaCache;
  encoder: PayloadEncoder;
  decoder: PayloadDecoder;
  subjects: string[];
  register(subject: string, schemaType: 'AVRO' | 'PROTOBUF' | 'JSON', schema: string): Promise<number>;
  cleanup(): Promise<void>;
} {
  const client = new SchemaRegistryClient({ id: 'it-produce', url: services.registry.url });
  const schemas = new SchemaCache(client, { failureTtlMs: 200 });
  const subjects: string[] = [];
  return {
    client,
    schemas,
    encoder: new PayloadEncoder({ registry: client, schemas }),
    decoder: new PayloadDecoder({ schemas }),
    subjects,
    async register(subject, schemaType, schema) {
      const result = await client.register(subject, { schemaType, schema });
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      subjects.push(subject);
      return result.value.id;
    },
    async cleanup() {
      for (const subject of subjects.reverse()) {
        await client.deleteSubject(subject);
        await client.deleteSubject(subject, { permanent: true });
      }
      client.close();
    },
  };
}

export function newProducer(): RecordProducer {
  return new RecordProducer({ connection });
}

export function readBack(topic: string, partition: number, offset: number): Promise<KafkaRecord> {
  return fetchRecord(connection, topic, partition, offset, 20_000);
}

export function decodedValue(result: DecodeResult): unknown {
  assert.ok(result.ok, result.ok ? '' : `decode failed: ${result.error.message}`);
  return (result as { value: unknown }).value;
}
