import type { GroupDescriptions, GroupOverview } from '@confluentinc/kafka-javascript';
import { KafkaClientError } from '../errors';
import { type Logger, silentLogger } from '../logging';
import { activeGroupError, toAdminError } from './adminErrors';
import { AdminSession, type Watermarks } from './adminSession';
import { type ClassifyContext, type RawClientError } from './clientErrors';
import type { ClusterConnection } from './connection';
import { partitionKey } from './groupConsumer';
import {
  type GroupDetail,
  type GroupOffsetRow,
  type GroupSummary,
  groupStateName,
  groupTypeName,
  isGroupActive,
  lagOf,
} from './groupInfo';
import { loadNativeClient } from './nativeClient';
import {
  clampOffset,
  describeTarget,
  planRows,
  type ResetPlan,
  type ResetRow,
  type ResetScope,
  type ResetTarget,
  scopePartitions,
  type TopicPartitionRef,
} from './offsetReset';
import type { TopicConfigRow } from './topicConfigRows';
import { describeGroupProtocols, type GroupProtocolSupport } from './groupProtocols';
import { describeTransactionSupport, type TransactionSupport } from './transactionSupport';
import { describeTopicConfigs } from './topicConfigs';
import { summarizeTopics, type TopicListOptions, type TopicSummary } from './topicList';

export interface KafkaAdminOptions {
  /** Bound on each call, in milliseconds (default 10 s). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

export interface PartitionDetail {
  readonly partition: number;
  readonly leader: number | null;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Fewer in-sync replicas than replicas. */
  readonly underReplicated: boolean;
  readonly low: number;
  readonly high: number;
  /** high − low: the messages the partition holds (fewer on compacted topics or with transaction markers). */
  readonly messages: number;
}

export interface NewTopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly configs?: Readonly<Record<string, string>>;
}

/** The admin operations the explorer calls, each bounded in time, failing with a typed KafkaClientError. */
export class KafkaAdmin {
  private readonly session: AdminSession;
  private readonly logger: Logger;
  private readonly context: ClassifyContext;

  constructor(
    private readonly connection: ClusterConnection,
    private readonly options: KafkaAdminOptions = {},
  ) {
    this.logger = (options.logger ?? silentLogger).child('admin');
    this.session = new AdminSession(connection, options.timeoutMs ?? 10_000, this.logger);
    this.context = this.session.context;
  }

  close(): void {
    this.session.close();
  }

  // ---- topics

  async listTopics(options: TopicListOptions = {}): Promise<TopicSummary[]> {
    const metadata = await this.session.metadata();
    return summarizeTopics(metadata, options);
  }

  async describePartitions(topic: string): Promise<PartitionDetail[]> {
    const description = await this.session.describeTopic(topic);
    const refs = description.partitions.map((p) => ({ topic, partition: p.partition }));
    const marks = await this.session.watermarks(refs);
    return description.partitions
      .map((p) => {
        const wm = marks.get(partitionKey(topic, p.partition)) ?? { low: 0, high: 0 };
        return {
          partition: p.partition,
          leader: p.leader?.id ?? null,
          replicas: p.replicas.map((n) => n.id),
          isr: p.isr.map((n) => n.id),
          underReplicated: p.isr.length < p.replicas.length,
          low: wm.low,
          high: wm.high,
          messages: Math.max(0, wm.high - wm.low),
        };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  /** Which consumer group protocols the cluster's group coordinators accept (through kafkajs, like the topic configs). */
  groupProtocols(): Promise<GroupProtocolSupport> {
    return describeGroupProtocols(this.connection, {
      timeoutMs: this.options.timeoutMs ?? 10_000,
      logger: this.logger,
    });
  }

  /** Whether the cluster can run transactions (brokers, the transaction state log's settings), for exactly-once sessions. */
  transactionSupport(clusterName: string): Promise<TransactionSupport> {
    return describeTransactionSupport(this.connection, clusterName, {
      timeoutMs: this.options.timeoutMs ?? 10_000,
      logger: this.logger,
    });
  }

  /** The topic's configs, the ones that differ from the defaults first (through kafkajs: a short-lived client per call). */
  describeTopicConfigs(topic: string): Promise<TopicConfigRow[]> {
    return describeTopicConfigs(this.connection, topic, {
      timeoutMs: this.options.timeoutMs ?? 10_000,
      logger: this.logger,
    });
  }

  async createTopic(spec: NewTopicSpec): Promise<void> {
    await this.session.call<void>(
      { operation: `create topic "${spec.name}"`, topic: spec.name },
      (admin, timeout, done) =>
        admin.createTopic(
          {
            topic: spec.name,
            num_partitions: spec.partitions,
            replication_factor: spec.replicationFactor,
            config: { ...spec.configs },
          },
          timeout,
          (err) => done(err),
        ),
    );
    this.logger.info(
      `created topic ${spec.name} (${spec.partitions} partitions, replication factor ${spec.replicationFactor})`,
    );
    await this.untilServed(spec.name, spec.partitions);
  }

  /**
   * The controller answers CreateTopics before the brokers serve the topic: a describe, a configs
   * read or a produce right after it can fail with "does not host this topic-partition". Waits,
   * bounded, until every partition has a leader; a topic still settling after that is only logged.
   */
  private async untilServed(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + (this.options.timeoutMs ?? 10_000);
    for (let delay = 50; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
      try {
        const description = await this.session.describeTopic(topic);
        const led = description.partitions.filter((p) => (p.leader?.id ?? -1) >= 0).length;
        if (led >= partitions) return;
      } catch {
        // Not served yet: ask again.
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    this.logger.info(`topic ${topic} was created, but not every partition had a leader yet`);
  }

  async deleteTopic(name: string): Promise<void> {
    await this.session.call<void>({ operation: `delete topic "${name}"`, topic: name }, (admin, timeout, done) =>
      admin.deleteTopic(name, timeout, (err) => done(err)),
    );
    this.logger.info(`deleted topic ${name}`);
  }

  /** Raises the topic's partition count to `total` (Kafka cannot lower it). */
  async addPartitions(topic: string, total: number): Promise<void> {
    await this.session.call<void>(
      { operation: `raise topic "${topic}" to ${total} partitions`, topic },
      (admin, timeout, done) => admin.createPartitions(topic, total, timeout, (err) => done(err)),
    );
    this.logger.info(`topic ${topic} now has ${total} partitions`);
  }

  /** Low and high watermarks per partition key (`partitionKey(topic, partition)`). */
  watermarks(partitions: readonly TopicPartitionRef[]): Promise<Map<string, Watermarks>> {
    return this.session.watermarks(partitions);
  }

  // ---- groups

  async listGroups(): Promise<GroupSummary[]> {
    const result = await this.session.call<{ groups: GroupOverview[] }>(
      { operation: 'list consumer groups' },
      (admin, timeout, done) => admin.listGroups({ timeout }, (err, groups) => done(err, groups)),
    );
    return result.groups
      .map((g) => ({
        groupId: g.groupId,
        state: groupStateName(g.state),
        protocolType: g.protocolType,
        isSimpleConsumerGroup: g.isSimpleConsumerGroup,
      }))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async describeGroup(groupId: string): Promise<GroupDetail> {
    const subject = { operation: `describe consumer group "${groupId}"`, groupId };
    const result = await this.session.call<GroupDescriptions>(subject, (admin, timeout, done) =>
      admin.describeGroups([groupId], { timeout }, (err, d) => done(err, d)),
    );
    const group = result.groups.find((g) => g.groupId === groupId);
    if (group?.error) throw toAdminError(group.error, subject, this.context);
    const state = groupStateName(group?.state);
    if (!group || (state === 'Dead' && group.members.length === 0)) {
      throw toAdminError({ code: 69, message: 'group not found' }, subject, this.context);
    }
    return {
      groupId,
      state,
      type: groupTypeName(group.type),
      protocolType: group.protocolType,
      assignor: group.partitionAssignor,
      coordinator: group.coordinator
        ? { id: group.coordinator.id, host: group.coordinator.host, port: group.coordinator.port }
        : undefined,
      members: group.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.clientHost,
        groupInstanceId: m.groupInstanceId,
        assignments: (m.assignment?.topicPartitions ?? [])
          .map((tp) => ({ topic: tp.topic, partition: tp.partition }))
          .sort(compareRefs),
      })),
    };
  }

  /**
   * Committed offset, end offset and lag per partition. Without `topics`: every partition the group
   * has committed to, plus those assigned to its members; with `topics`: all their partitions.
   */
  async groupOffsets(groupId: string, topics?: readonly string[]): Promise<GroupOffsetRow[]> {
    const metadata = await this.session.metadata();
    const counts = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
    const candidates = (topics ?? metadata.topics.map((t) => t.name).filter((n) => !n.startsWith('__'))).flatMap(
      (topic) => Array.from({ length: counts.get(topic) ?? 0 }, (_, partition) => ({ topic, partition })),
    );
    const committed = await this.session.withGroupConsumer(groupId, (c) => c.committed(candidates));
    let rows = candidates;
    if (!topics) {
      const assigned = new Set<string>();
      const detail = await this.describeGroup(groupId).catch((e: unknown) =>
        e instanceof KafkaClientError && e.reason === 'groupNotFound' ? undefined : Promise.reject(e),
      );
      for (const m of detail?.members ?? [])
        for (const a of m.assignments) assigned.add(partitionKey(a.topic, a.partition));
      rows = candidates.filter((p) => {
        const key = partitionKey(p.topic, p.partition);
        return (committed.get(key) ?? null) !== null || assigned.has(key);
      });
    }
    const ends = await this.session.listOffsets(rows, loadNativeClient().OffsetSpec.LATEST);
    return rows.sort(compareRefs).map((p) => {
      const key = partitionKey(p.topic, p.partition);
      const value = committed.get(key) ?? null;
      const end = ends.get(key) ?? 0;
      return { topic: p.topic, partition: p.partition, committed: value, end, lag: lagOf(value, end) };
    });
  }

  async deleteGroup(groupId: string): Promise<void> {
    const subject = { operation: `delete consumer group "${groupId}"`, groupId };
    const results = await this.session.call<Array<{ groupId: string; error?: RawClientError }>>(
      subject,
      (admin, timeout, done) => admin.deleteGroups([groupId], { timeout }, (err, r) => done(err, r)),
    );
    const error = results.find((r) => r.groupId === groupId)?.error;
    if (error) throw toAdminError(error, subject, this.context);
    this.logger.info(`deleted consumer group ${groupId}`);
  }

  // ---- offset reset

  /** The preview of a reset: per partition the committed offset, the new one and the difference. Changes nothing. */
  async planReset(groupId: string, scope: ResetScope, target: ResetTarget): Promise<ResetPlan> {
    let selected: TopicPartitionRef[];
    if (scope.kind === 'group') {
      const known = (await this.groupOffsets(groupId)).filter((r) => r.committed !== null);
      if (known.length === 0) {
        throw new KafkaClientError(
          'groupNotFound',
          `Consumer group "${groupId}" has no committed offsets to reset. Choose a topic or partitions to reset instead.`,
        );
      }
      selected = scopePartitions(
        scope,
        known.map((r) => ({ topic: r.topic, partition: r.partition })),
        () => 0,
      );
    } else {
      const topics = scope.kind === 'topic' ? [scope.topic] : [...new Set(scope.partitions.map((p) => p.topic))];
      const counts = new Map<string, number>();
      for (const topic of topics) counts.set(topic, (await this.session.describeTopic(topic)).partitions.length);
      selected = scopePartitions(scope, [], (topic) => counts.get(topic) ?? 0);
    }
    const [committed, marks, atTime] = await Promise.all([
      this.session.withGroupConsumer(groupId, (c) => c.committed(selected)),
      this.session.watermarks(selected),
      typeof target === 'object' && 'timestamp' in target
        ? this.session.listOffsets(selected, new (loadNativeClient().OffsetSpec)(target.timestamp))
        : undefined,
    ]);
    const rows = planRows(
      target,
      selected.map((p) => {
        const key = partitionKey(p.topic, p.partition);
        const wm = marks.get(key) ?? { low: 0, high: 0 };
        return {
          ...p,
          current: committed.get(key) ?? null,
          low: wm.low,
          high: wm.high,
          timestampOffset: atTime?.get(key) ?? null,
        };
      }),
    );
    this.logger.debug(`planned reset of group ${groupId} to ${describeTarget(target)} over ${rows.length} partitions`);
    return { groupId, target, rows };
  }

  /** Commits a planned reset, clamped to the current watermarks. Refused while the group has active members. */
  async applyReset(plan: ResetPlan): Promise<ResetRow[]> {
    const detail = await this.describeGroup(plan.groupId).catch((e: unknown) =>
      e instanceof KafkaClientError && e.reason === 'groupNotFound' ? undefined : Promise.reject(e),
    );
    if (detail && isGroupActive(detail)) {
      throw activeGroupError(
        plan.groupId,
        `Offsets were not reset: the group is ${detail.state} with ${detail.members.length} member(s).`,
      );
    }
    const marks = await this.session.watermarks(plan.rows);
    const rows = plan.rows.map((r) => {
      const wm = marks.get(partitionKey(r.topic, r.partition)) ?? r;
      const next = clampOffset(r.next, wm.low, wm.high);
      return { ...r, next, delta: r.current === null ? null : next - r.current, low: wm.low, high: wm.high };
    });
    const offsets = rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next }));
    await this.session.withGroupConsumer(plan.groupId, async (c) => {
      // A reset is only reported done once the broker returns the new offsets; a commit that is not
      // visible yet is sent again, bounded.
      for (let attempt = 1; ; attempt++) {
        await c.commit(offsets);
        const committed = await c.committed(offsets);
        const stale = offsets.filter((o) => committed.get(partitionKey(o.topic, o.partition)) !== o.offset);
        if (stale.length === 0) return;
        if (attempt >= 5) {
          throw new KafkaClientError(
            'unknown',
            `The reset of group "${plan.groupId}" was acknowledged but ${stale.length} partition(s) still show other offsets after ${attempt} attempts. Run the reset again, and check that no consumer of the group is running.`,
          );
        }
        this.logger.debug(`reset of ${plan.groupId}: ${stale.length} partition(s) not visible yet, committing again`);
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    });
    this.logger.info(`reset group ${plan.groupId} to ${describeTarget(plan.target)} on ${rows.length} partitions`);
    return rows;
  }
}

function compareRefs(a: TopicPartitionRef, b: TopicPartitionRef): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
