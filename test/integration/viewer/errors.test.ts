import { strict as assert } from 'node:assert';
import { PayloadDecoder } from '../../../src/core/codec/payloadDecoder';
import { SchemaCache } from '../../../src/core/codec/schemaCache';
import { encodeFrame } from '../../../src/core/codec/wireFormat';
import { SchemaRegistryClient } from '../../../src/core/registry/registryClient';
import type { MessageViewer } from '../../../src/core/viewer/viewerApi';
import { createTopic, deleteTopicsQuietly } from '../../support/kafka';
import { services, uniqueName, waitFor } from '../../support/services';
import { TcpProxy } from '../codec/support/registryFronts';
import { allRows, openViewer, produceFast, waitForRead, waitForState } from './support';

describe('viewer error states: bounded, clear, and recovering by themselves', function () {
  this.timeout(180_000);
  const viewers: MessageViewer[] = [];
  const open = (...args: Parameters<typeof openViewer>): MessageViewer => {
    const viewer = openViewer(...args);
    viewers.push(viewer);
    return viewer;
  };
  afterEach(async () => {
    await Promise.all(viewers.splice(0).map((v) => v.stop()));
  });

  it('an unreachable broker: a retrying brokerUnreachable state within the connect bound, and a bounded stop', async () => {
    const viewer = open(
      { topic: 'anything', start: { kind: 'beginning' } },
      { connection: { bootstrapServers: '127.0.0.1:1' } },
    );
    await viewer.start();
    const state = await waitForState(viewer, 'brokerUnreachable', (s) => s.kind === 'error', 20_000);
    assert.ok(state.kind === 'error');
    assert.equal(state.reason, 'brokerUnreachable');
    assert.equal(state.retrying, true);
    assert.match(state.message, /127\.0\.0\.1:1/);
    assert.match(state.message, /reconnects by itself/);
    const started = Date.now();
    await viewer.stop();
    assert.ok(Date.now() - started < 30_000, 'stop is bounded');
    assert.equal(viewer.state.kind, 'stopped');
  });

  it('a topic that does not exist, then appears: topicNotFound, then reading', async () => {
    const topic = uniqueName('it-viewer-later');
    const viewer = open({ topic, start: { kind: 'beginning' } });
    try {
      await viewer.start();
      const state = await waitForState(viewer, 'topicNotFound', (s) => s.kind === 'error');
      assert.ok(state.kind === 'error' && state.reason === 'topicNotFound' && state.retrying);
      assert.match(state.message, new RegExp(`"${topic}" does not exist`));
      await createTopic(topic, 1);
      await produceFast(topic, 3, () => ({ partition: 0, value: 'hello' }));
      await waitForRead(viewer, 3, 60_000);
      await waitForState(viewer, 'caughtUp', (s) => s.kind === 'caughtUp');
    } finally {
      await deleteTopicsQuietly(topic);
    }
  });

  it('a topic deleted while browsing: topicNotFound, the buffer kept, reading again when it is back', async () => {
    const topic = uniqueName('it-viewer-deleted');
    await createTopic(topic, 1);
    try {
      await produceFast(topic, 5, (i) => ({ partition: 0, value: `before-${i}` }));
      const viewer = open({ topic, start: { kind: 'beginning' } });
      await viewer.start();
      await waitForRead(viewer, 5);
      await deleteTopicsQuietly(topic);
      const state = await waitForState(viewer, 'topicNotFound', (s) => s.kind === 'error', 60_000);
      assert.ok(state.kind === 'error' && state.reason === 'topicNotFound', JSON.stringify(state));
      assert.equal(viewer.counts.buffered, 5, 'what was read stays');
      await waitFor('the topic re-created', 60_000, async () => {
        try {
          await createTopic(topic, 1);
          return true;
        } catch {
          return undefined;
        }
      });
      await produceFast(topic, 2, (i) => ({ partition: 0, value: `after-${i}` }));
      await waitForRead(viewer, 7, 90_000);
      assert.deepEqual(
        allRows(viewer).map((r) => r.value),
        ['before-0', 'before-1', 'before-2', 'before-3', 'before-4', 'after-0', 'after-1'],
      );
      assert.notEqual(viewer.state.kind, 'error');
    } finally {
      await deleteTopicsQuietly(topic);
    }
  });

  it('a registry outage: registryUnavailable while it lasts, messages kept, decoded when it is back', async () => {
    const topic = uniqueName('it-viewer-registry');
    const direct = new SchemaRegistryClient({ id: 'direct', url: services.registry.url });
    const subject = `${topic}-value`;
    const proxy = await TcpProxy.start(services.registry.url);
    await createTopic(topic, 1);
    try {
      const registered = await direct.register(subject, {
        schemaType: 'AVRO',
        schema: JSON.stringify({
          type: 'record',
          name: 'R',
          namespace: 'lab.viewer',
          fields: [{ name: 's', type: 'string' }],
        }),
      });
      assert.ok(registered.ok);
      const id = registered.value.id;
      await produceFast(topic, 4, (i) => ({ partition: 0, value: encodeFrame(id, Buffer.from([2, 0x61 + i])) }));
      await proxy.stop();
      const client = new SchemaRegistryClient({ id: 'proxied', url: proxy.url, requestTimeoutMs: 1000 });
      const decoder = new PayloadDecoder({ schemas: new SchemaCache(client, { failureTtlMs: 300 }) });
      const viewer = open({ topic, start: { kind: 'beginning' } }, { decoder });
      await viewer.start();
      await waitForRead(viewer, 4);
      const state = await waitForState(viewer, 'registryUnavailable', (s) => s.kind === 'error');
      assert.ok(state.kind === 'error' && state.reason === 'registryUnavailable' && state.retrying);
      assert.match(state.message, /schema registry cannot be reached/);
      assert.deepEqual(
        allRows(viewer).map((r) => r.status),
        ['error', 'error', 'error', 'error'],
      );
      await proxy.restart();
      await waitForState(viewer, 'recovered', (s) => s.kind === 'caughtUp', 60_000);
      const rows = allRows(viewer);
      assert.deepEqual(
        rows.map((r) => [r.status, r.format, r.value]),
        ['a', 'b', 'c', 'd'].map((s) => ['ok', 'avro', `{"s":"${s}"}`]),
      );
      const detail = viewer.detail(rows[0]!.seq)!;
      assert.equal(detail.value.schema?.id, id);
      client.close();
    } finally {
      await proxy.close();
      await direct.deleteSubject(subject).catch(() => undefined);
      await direct.deleteSubject(subject, { permanent: true }).catch(() => undefined);
      direct.close();
      await deleteTopicsQuietly(topic);
    }
  });
});
