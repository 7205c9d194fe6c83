// Helpers of the viewer's integration tests: fast producing with the native producer, a viewer on
// the local broker, and bounded waits on its state and counts.
import { Producer } from '@confluentinc/kafka-javascript';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { createLogger, silentLogger } from '../../../src/core/logging';
import { createMessageViewer, type MessageViewerDeps } from '../../../src/core/viewer/messageViewer';
import type { ViewerOptions, ViewerState } from '../../../src/core/viewer/types';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { services, waitFor } from '../../support/services';

export interface Outgoing {
  readonly partition: number;
  readonly value: Buffer | string | null;
  readonly key?: Buffer | string | null;
  readonly timestamp?: number;
  // One single-key object per header (librdkafka's header list).
  readonly headers?: readonly object[];
}

/** Produces with the native producer (acks=all), waiting for every delivery; `make(i)` gives message i. */
export async function produceFast(topic: string, count: number, make: (i: number) => Outgoing): Promise<void> {
  const producer = new Producer({
    'bootstrap.servers': services.kafka.plaintext,
    'client.id': 'kafka-lab-viewer-tests',
    acks: -1,
    'linger.ms': 10,
    'batch.num.messages': 10_000,
    'queue.buffering.max.messages': 200_000,
    dr_cb: true,
  });
  await new Promise<void>((resolve, reject) =>
    producer.connect({ timeout: 15_000 }, (err) => (err ? reject(new Error(`producer: ${err.message}`)) : resolve())),
  );
  let delivered = 0;
  let failed: Error | undefined;
  producer.on('delivery-report', (err) => {
    if (err) failed = new Error(`delivery failed: ${err.message}`);
    delivered++;
  });
  producer.setPollInterval(20);
  try {
    for (let i = 0; i < count; i++) {
      const m = make(i);
      const value = m.value === null ? null : Buffer.isBuffer(m.value) ? m.value : Buffer.from(m.value);
      const key = m.key === undefined || m.key === null ? null : Buffer.isBuffer(m.key) ? m.key : Buffer.from(m.key);
      for (;;) {
        try {
          producer.produce(topic, m.partition, value, key, m.timestamp ?? Date.now(), undefined, m.headers as never);
          break;
        } catch (error) {
          if ((error as { code?: number }).code !== -184 /* queue full */) throw error;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    await waitFor(`${count} deliveries to ${topic}`, 120_000, () => (delivered >= count || failed ? true : undefined));
    if (failed) throw failed;
  } finally {
    await new Promise<void>((resolve) => producer.disconnect(() => resolve()));
  }
}

export const plaintext = { bootstrapServers: services.kafka.plaintext };

/** A viewer on the local broker (no registry unless a decoder is given), quick to retry. */
export function openViewer(options: ViewerOptions, deps: Partial<MessageViewerDeps> = {}): MessageViewer {
  return createMessageViewer({
    connection: plaintext,
    decoder: new PayloadDecoder(),
    // KAFKA_LAB_VIEWER_TEST_LOG=1 prints the viewers' logs.
    logger: process.env.KAFKA_LAB_VIEWER_TEST_LOG
      ? createLogger((level, line) => console.log(`${level} ${line}`))
      : silentLogger,
    options,
    timings: {
      retryBaseMs: 300,
      retryCapMs: 2_000,
      probeIntervalMs: 1_000,
      connectTimeoutMs: 5_000,
      callTimeoutMs: 3_000,
    },
    ...deps,
  });
}

export function waitForState(
  viewer: MessageViewer,
  what: string,
  accept: (state: ViewerState) => boolean,
  timeoutMs = 30_000,
): Promise<ViewerState> {
  return waitFor(`viewer state ${what}`, timeoutMs, () => (accept(viewer.state) ? viewer.state : undefined)).catch(
    (error: Error) => {
      throw new Error(
        `${error.message}; the state is ${JSON.stringify(viewer.state)}, counts ${JSON.stringify(viewer.counts)}`,
      );
    },
  );
}

export function waitForRead(viewer: MessageViewer, count: number, timeoutMs = 60_000): Promise<number> {
  return waitFor(`${count} messages read`, timeoutMs, () =>
    viewer.counts.read >= count ? viewer.counts.read : undefined,
  ).catch((error: Error) => {
    throw new Error(
      `${error.message}; the state is ${JSON.stringify(viewer.state)}, counts ${JSON.stringify(viewer.counts)}`,
    );
  });
}

/** Every row of the viewer's current view, page by page. */
export function allRows(viewer: MessageViewer): ReturnType<MessageViewer['page']>['rows'][number][] {
  const rows = [];
  for (let start = 0; ; start += 1000) {
    const page = viewer.page({ start, count: 1000 });
    rows.push(...page.rows);
    if (start + 1000 >= page.total) return rows;
  }
}
