import type { Metadata } from '@confluentinc/kafka-javascript';

export interface TopicSummary {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** Kafka's own topics (`__consumer_offsets`, `__transaction_state`) and, by convention, names starting with `_` (`_schemas`). */
  readonly internal: boolean;
}

export interface TopicListOptions {
  readonly includeInternal?: boolean;
  /** `*` any run of characters, `?` one character, case-insensitive; a glob without wildcards matches as a substring. */
  readonly glob?: string;
}

export function isInternalTopic(name: string): boolean {
  return name.startsWith('_');
}

/** A case-insensitive matcher for a topic glob; an empty glob matches everything. */
export function globMatcher(glob: string | undefined): (name: string) => boolean {
  const pattern = (glob ?? '').trim();
  if (!pattern) return () => true;
  if (!/[*?]/.test(pattern)) {
    const needle = pattern.toLowerCase();
    return (name) => name.toLowerCase().includes(needle);
  }
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, 'i');
  return (name) => regex.test(name);
}

/** Topics from cluster metadata, filtered and sorted by name. */
export function summarizeTopics(metadata: Pick<Metadata, 'topics'>, options: TopicListOptions = {}): TopicSummary[] {
  const matches = globMatcher(options.glob);
  return metadata.topics
    .filter((t) => (options.includeInternal || !isInternalTopic(t.name)) && matches(t.name))
    .map((t) => ({
      name: t.name,
      partitions: t.partitions.length,
      replicationFactor: t.partitions.reduce((max, p) => Math.max(max, p.replicas.length), 0),
      internal: isInternalTopic(t.name),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Topics shown per page under a cluster's Topics folder; past it a "Load more" item, never a 100k-item dump. */
export const TOPIC_PAGE_SIZE = 500;

/** What the Topics level of the explorer shows: the first `pages` pages of the filtered, sorted topics. */
export interface TopicPage {
  readonly topics: readonly TopicSummary[];
  /** Topics shown (`topics.length`). */
  readonly shown: number;
  /** Topics that pass the filter. */
  readonly total: number;
  /** Whether a "Load more" item follows (shown < total). */
  readonly more: boolean;
  /** The line shown instead of topics when there are none. */
  readonly emptyLabel?: string;
}

export interface TopicPageRequest extends TopicListOptions {
  /** Pages loaded so far (1 before "Load more" is used). */
  readonly pages?: number;
  readonly pageSize?: number;
}

/** The first `pages` pages of already filtered and sorted topics. */
export function pageTopics(topics: readonly TopicSummary[], request: TopicPageRequest = {}): TopicPage {
  const pageSize = Math.max(1, Math.floor(request.pageSize ?? TOPIC_PAGE_SIZE));
  const pages = Math.max(1, Math.floor(request.pages ?? 1));
  const shown = Math.min(topics.length, pageSize * pages);
  const glob = request.glob?.trim();
  return {
    topics: topics.slice(0, shown),
    shown,
    total: topics.length,
    more: shown < topics.length,
    ...(topics.length === 0 ? { emptyLabel: glob ? `No topic matches "${glob}"` : 'No topics' } : {}),
  };
}

/** The part of KafkaAdmin the Topics level needs: one metadata request, no per-topic calls. */
export interface TopicLister {
  listTopics(options?: TopicListOptions): Promise<TopicSummary[]>;
}

/** Loads the Topics level of the explorer: cluster metadata, filter, sort, page. */
export async function loadTopicPage(admin: TopicLister, request: TopicPageRequest = {}): Promise<TopicPage> {
  const glob = request.glob?.trim();
  const topics = await admin.listTopics({
    includeInternal: request.includeInternal ?? false,
    ...(glob ? { glob } : {}),
  });
  return pageTopics(topics, request);
}

/** How one topic item looks in the tree (the view wraps it in a TreeItem). */
export interface TopicItemView {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly contextValue: 'kafkaLab.topic' | 'kafkaLab.topic.internal';
  readonly icon: 'lock' | 'symbol-event';
}

export function topicItemView(clusterId: string, topic: TopicSummary): TopicItemView {
  return {
    id: `cluster:${clusterId}/topic:${topic.name}`,
    label: topic.name,
    description: `${topic.partitions} partition${topic.partitions === 1 ? '' : 's'} · RF ${topic.replicationFactor}`,
    contextValue: topic.internal ? 'kafkaLab.topic.internal' : 'kafkaLab.topic',
    icon: topic.internal ? 'lock' : 'symbol-event',
  };
}
