import type { PayloadDecoder } from '../codec/payloadDecoder';
import type { MessageStore } from './messageStore';
import type { ExportFormat } from './types';
import {
  CSV_COLUMNS,
  csvLine,
  csvRecord,
  type ExportedMessage,
  EXPORT_FORMAT_VERSION,
  exportedPayload,
  isoTime,
  jsonLine,
} from './exportFormats';

/** Text handed to `write` at a time: large enough to keep file writes few, small enough to keep memory flat. */
const CHUNK_CHARS = 256 * 1024;

export interface ExportSource {
  readonly store: MessageStore;
  readonly topic: string;
  readonly decoder: PayloadDecoder;
  /** The messages to export, in order (a snapshot of the filtered, sorted view). */
  readonly seqs: Float64Array;
}

/**
 * One streamed export: messages are decoded again from the buffer one by one, written as text
 * in chunks, and awaited chunk by chunk, so its memory does not grow with the export's size.
 */
export class ViewerExport {
  constructor(private readonly source: ExportSource) {}

  async run(
    format: ExportFormat,
    write: (chunk: string) => Promise<void>,
    options: { signal?: AbortSignal; onProgress?: (written: number, total: number) => void } = {},
  ): Promise<number> {
    if (format !== 'json' && format !== 'ndjson' && format !== 'csv')
      throw new RangeError(`Unknown export format "${String(format)}": use json, ndjson or csv.`);
    const { store, seqs } = this.source;
    const { signal, onProgress } = options;
    const total = seqs.length;
    signal?.throwIfAborted();
    // CSV starts with a byte order mark: spreadsheets then read the file as UTF-8.
    let chunk = format === 'json' ? '[' : format === 'csv' ? `\ufeff${csvLine(CSV_COLUMNS)}` : '';
    let written = 0;
    for (let i = 0; i < total; i++) {
      const seq = seqs[i]!;
      if (!store.has(seq)) continue;
      const message = await this.message(seq);
      if (format === 'ndjson') chunk += `${jsonLine(message)}\n`;
      else if (format === 'json') chunk += `${written === 0 ? '\n' : ',\n'}${jsonLine(message)}`;
      else chunk += csvRecord(message);
      written++;
      if (chunk.length >= CHUNK_CHARS) {
        signal?.throwIfAborted();
        await write(chunk);
        chunk = '';
        onProgress?.(written, total);
      }
    }
    signal?.throwIfAborted();
    if (format === 'json') chunk += written === 0 ? ']\n' : '\n]\n';
    if (chunk.length > 0) await write(chunk);
    onProgress?.(written, total);
    return written;
  }

  private async message(seq: number): Promise<ExportedMessage> {
    const { store, topic, decoder } = this.source;
    const slot = store.slotOf(seq);
    const keyBytes = store.key(slot);
    const valueBytes = store.value(slot);
    const key =
      decoder.decodeIfReady(keyBytes, { topic, role: 'key' }) ??
      (await decoder.decode(keyBytes, { topic, role: 'key' }));
    const value =
      decoder.decodeIfReady(valueBytes, { topic, role: 'value' }) ??
      (await decoder.decode(valueBytes, { topic, role: 'value' }));
    const headers: { key: string; text: string; base64: string }[] = [];
    store.someHeader(slot, (bytes, ns, ne, vs, ve) => {
      headers.push({
        key: bytes.toString('utf8', ns, ne),
        text: bytes.toString('utf8', vs, ve),
        base64: bytes.toString('base64', vs, ve),
      });
      return false;
    });
    const timestamp = store.timestamp[slot]!;
    return {
      v: EXPORT_FORMAT_VERSION,
      topic,
      partition: store.partition[slot]!,
      offset: store.offset[slot]!,
      timestamp: Number.isNaN(timestamp) ? null : timestamp,
      time: isoTime(Number.isNaN(timestamp) ? undefined : timestamp),
      key: exportedPayload(key, keyBytes),
      value: exportedPayload(value, valueBytes),
      headers,
    };
  }
}
