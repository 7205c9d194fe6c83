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
