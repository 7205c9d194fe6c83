import * as vscode from 'vscode';
import { toDisplayJson } from '../core/codec/displayValue';
import type { PayloadDecoder } from '../core/codec/payloadDecoder';
import type { ClusterSettings } from '../core/connections/clusterSettings';
import { detectDeadLetter } from '../core/dlq/detect';
import { originalMessageOf, provenanceHeaders } from '../core/dlq/provenance';
import type { KafkaRecord } from '../core/kafka/record';
import { fetchRecord } from '../core/kafka/recordFetch';
import type { PayloadInput } from '../core/produce/payloadForms';
import type { ProducerPanel } from '../webviews/producerPanel/producerPanel';
import type { ProducerDraft } from '../webviews/producerPanel/protocol';
import type { ProduceCommandDeps, Producing } from './producing';
import { clusterById, isRecordRef, type TopicRef } from './produceTargets';

/** Produce Copy (and, for a dead letter, Edit and Re-drive): a stored record in the producer form. */
export function produceCopyCommand(
  deps: ProduceCommandDeps,
  producing: Producing,
): (arg?: unknown) => Promise<ProducerPanel | undefined> {
  /** The record as stored, read by offset (no group). */
  const storedRecord = async (
    cluster: ClusterSettings,
    ref: { topic: string; partition: number; offset: number },
  ): Promise<KafkaRecord> =>
    await fetchRecord(await deps.clients.connection(cluster), ref.topic, ref.partition, ref.offset, 15_000);

  /**
   * Edit and re-drive: a dead letter's original key, value and headers in the form, to the topic it
   * failed on, with the provenance headers a re-drive carries (kafka-lab.redriven-from / -at).
   */
  const editAndRedrive = async (ref: TopicRef & { partition: number; offset: number }): Promise<ProducerPanel> => {
    const cluster = clusterById(deps, ref.clusterId);
    const where = `${ref.topic}[${ref.partition}]@${ref.offset}`;
    const record = await storedRecord(cluster, ref);
    const info = detectDeadLetter(record);
    if (!info?.originalTopic)
      throw new Error(
        `${where} does not name the topic it failed on, so it cannot be re-driven there. Use Produce Copy… on it and pick the topic.`,
      );
    const original = originalMessageOf(record);
    const draft = await draftOfRecord(
      {
        topic: info.originalTopic,
        partition: 0,
        offset: 0,
        key: original.key,
        value: original.value,
        headers: original.headers,
      },
      producing.codec(cluster).decoder,
    );
    const provenance = provenanceHeaders(record, new Date()).flatMap((h) =>
      Object.entries(h).map(([key, value]) => ({ key, value: String(value) })),
    );
    const panel = await producing.openForm(cluster, info.originalTopic);
    panel.fill(
      { key: draft.key, value: draft.value, headers: [...draft.headers, ...provenance] },
      `Edit and re-drive: the original message of the dead letter ${where}, to ${info.originalTopic}. Change it, then Send; the kafka-lab.redriven-from and -at headers say where it came from.`,
    );
    return panel;
  };

  /** Produce Copy: the record as stored (read by offset, no group), in the form, ready to change and send. */
  const produceCopy = async (arg?: unknown): Promise<ProducerPanel | undefined> => {
    if (isRecordRef(arg) && (arg as { redrive?: unknown }).redrive === true) return editAndRedrive(arg);
    let ref: (TopicRef & { partition: number; offset: number }) | undefined = isRecordRef(arg) ? arg : undefined;
    if (!ref) {
      const session = deps.sessions.active;
      const current = session?.current;
      if (!session || !current) {
        void vscode.window.showInformationMessage(
          'Kafka Consumer Lab: Produce Copy copies the message on screen in a session panel; no session shows one.',
        );
        return undefined;
      }
      ref = {
        clusterId: session.spec.clusterId,
        topic: current.topic,
        partition: current.partition,
        offset: current.offset,
      };
    }
    const cluster = clusterById(deps, ref.clusterId);
    const record = await storedRecord(cluster, ref);
    const draft = await draftOfRecord(record, producing.codec(cluster).decoder);
    const target = isRecordRef(arg) && arg.targetTopic ? arg.targetTopic : ref.topic;
    const panel = await producing.openForm(cluster, target);
    panel.fill(draft, `A copy of ${ref.topic} partition ${ref.partition} offset ${ref.offset}. Change it, then Send.`);
    return panel;
  };

  return produceCopy;
}

/** The form's draft for a stored record: what it decodes to, in the form that writes it back the same. */
export async function draftOfRecord(record: KafkaRecord, decoder: PayloadDecoder): Promise<ProducerDraft> {
  const side = async (role: 'key' | 'value', bytes: Buffer | null): Promise<PayloadInput> => {
    if (bytes === null) return { form: 'null', text: '' };
    const decoded = await decoder.decode(bytes, { topic: record.topic, role });
    if (decoded.ok && (decoded.format === 'avro' || decoded.format === 'protobuf' || decoded.format === 'jsonSchema')) {
      const schema = decoded.schema;
      return {
        form: 'schema',
        text: JSON.stringify(toDisplayJson(decoded.value), null, 2),
        schema: {
          format: decoded.format,
          strategy: 'TopicName',
          version: schema.version ?? 'latest',
          ...(schema.subject ? { subject: schema.subject } : {}),
          ...(decoded.messageType ? { messageType: decoded.messageType } : {}),
        },
      };
    }
    if (decoded.ok && decoded.format === 'json') return { form: 'json', text: bytes.toString('utf8') };
    const text = bytes.toString('utf8');
    // Text only when it round-trips and holds no control characters other than tab and line breaks.
    const controls = [...text].some((ch) => {
      const code = ch.charCodeAt(0);
      return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
    });
    if (Buffer.from(text, 'utf8').equals(bytes) && !controls) return { form: 'text', text };
    return { form: 'base64', text: bytes.toString('base64') };
  };
  const headers = (record.headers ?? []).flatMap((h) =>
    Object.entries(h).map(([key, value]) => ({
      key,
      value: Buffer.isBuffer(value) ? value.toString('utf8') : String(value),
    })),
  );
  return {
    partition: record.partition,
    key: await side('key', record.key),
    value: await side('value', record.value),
    headers,
    ...(record.timestamp !== undefined ? { timestamp: new Date(record.timestamp).toISOString() } : {}),
  };
}
