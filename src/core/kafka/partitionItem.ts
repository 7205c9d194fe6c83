import type { PartitionDetail } from './admin';

/** How one partition looks in the explorer (the view wraps it in a TreeItem). */
export interface PartitionItemView {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  /** Markdown paragraphs of the tooltip (topic names are Kafka-legal: [a-zA-Z0-9._-]). */
  readonly tooltip: readonly string[];
  /** Under-replicated or offline: drawn with a warning icon. */
  readonly warning: boolean;
}

/** Replicas that are not in the ISR: the brokers that are down or lagging. */
export function outOfSyncReplicas(detail: PartitionDetail): number[] {
  const isr = new Set(detail.isr);
  return detail.replicas.filter((r) => !isr.has(r));
}

export function partitionItemView(clusterId: string, topic: string, detail: PartitionDetail): PartitionItemView {
  const messages = `${detail.messages} message${detail.messages === 1 ? '' : 's'}`;
  const outOfSync = outOfSyncReplicas(detail);
  const health =
    detail.leader === null
      ? 'offline, no leader'
      : `leader ${detail.leader}${detail.underReplicated ? ` · under-replicated (${detail.isr.length} of ${detail.replicas.length} in sync)` : ''}`;
  return {
    id: `cluster:${clusterId}/topic:${topic}/partition:${detail.partition}`,
    label: `Partition ${detail.partition}`,
    description: `${detail.low}…${detail.high} · ${messages} · ${health}`,
    tooltip: [
      `**${topic} [${detail.partition}]**`,
      detail.leader === null
        ? 'Leader: none — the partition is offline: no in-sync replica is up, so it can be neither read nor written until one comes back'
        : `Leader: broker ${detail.leader}`,
      `Replicas: ${detail.replicas.join(', ')}`,
      `In sync: ${detail.isr.join(', ') || 'none'}${outOfSync.length > 0 ? ` — **not all replicas are in sync** (out of sync: ${outOfSync.join(', ')})` : ''}`,
      `Low watermark: ${detail.low}`,
      `High watermark: ${detail.high}`,
      `Messages (high − low): ${detail.messages}`,
    ],
    warning: detail.underReplicated || detail.leader === null,
  };
}
