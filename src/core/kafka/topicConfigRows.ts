/**
 * A topic's configuration as the explorer shows it: one row per config, the ones that differ from
 * Kafka's defaults first. Pure: no client, so the ordering and flags are unit-tested.
 */

/** Where a config's value comes from, in Kafka's words (DescribeConfigs `config_source`). */
export type ConfigSourceName =
  | 'dynamic topic'
  | 'dynamic broker'
  | 'dynamic default broker'
  | 'static broker'
  | 'default'
  | 'dynamic broker logger'
  | 'unknown';

/** The Kafka protocol's ConfigSource codes (stable across versions). */
const sourceByCode: Readonly<Record<number, ConfigSourceName>> = {
  1: 'dynamic topic',
  2: 'dynamic broker',
  3: 'dynamic default broker',
  4: 'static broker',
  5: 'default',
  6: 'dynamic broker logger',
};

export interface TopicConfigRow {
  readonly name: string;
  /** null when the broker hides it (sensitive) or has no value. */
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly isDefault: boolean;
  readonly readOnly: boolean;
  readonly sensitive: boolean;
}

/** One config entry as a DescribeConfigs response carries it (kafkajs `ConfigEntries`). */
export interface RawConfigEntry {
  readonly configName: string;
  readonly configValue: string | null;
  readonly isDefault: boolean;
  readonly configSource: number;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
}

export function sourceName(configSource: number, isDefault: boolean): ConfigSourceName {
  return sourceByCode[configSource] ?? (isDefault ? 'default' : 'unknown');
}

/** Set somewhere (on the topic, or on the brokers): the value is not Kafka's built-in default. */
export function differsFromDefault(row: TopicConfigRow): boolean {
  return row.source !== 'default' && !row.isDefault;
}

/** Non-default rows first, then the defaults; by name within each. */
export function sortConfigRows(rows: readonly TopicConfigRow[]): TopicConfigRow[] {
  return [...rows].sort(
    (a, b) =>
      Number(differsFromDefault(b)) - Number(differsFromDefault(a)) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

export function toConfigRows(entries: readonly RawConfigEntry[]): TopicConfigRow[] {
  return sortConfigRows(
    entries.map((e) => {
      const source = sourceName(e.configSource, e.isDefault);
      return {
        name: e.configName,
        value: e.isSensitive ? null : (e.configValue ?? null),
        source,
        isDefault: source === 'default' || (source === 'unknown' && e.isDefault),
        readOnly: e.readOnly,
        sensitive: e.isSensitive,
      };
    }),
  );
}

export interface ConfigRowView {
  /** `name = value`. */
  readonly label: string;
  /** The value's [start, end) in the label, to highlight when it differs from the default. */
  readonly valueRange: readonly [number, number];
  readonly differs: boolean;
  readonly description: string;
  readonly tooltip: string;
}

/** What a config row looks like in the tree (kept here so that it is unit-tested without VS Code). */
export function configRowView(row: TopicConfigRow): ConfigRowView {
  const value = row.sensitive ? '(sensitive)' : row.value === null ? '(no value)' : row.value;
  const head = `${row.name} = `;
  const differs = differsFromDefault(row);
  const description = [differs ? `${row.source} config` : 'default', ...(row.readOnly ? ['read-only'] : [])].join(
    ' · ',
  );
  const tooltip = [
    `${row.name} = ${value}`,
    differs ? `Differs from the default: set as a ${row.source} config.` : "Kafka's default value.",
    ...(row.sensitive ? ['Sensitive: the broker does not return its value.'] : []),
    ...(row.readOnly ? ['Read-only.'] : []),
  ].join('\n');
  return { label: head + value, valueRange: [head.length, head.length + value.length], differs, description, tooltip };
}

/** The folder's description: how many configs differ from the defaults. */
export function configsSummary(rows: readonly TopicConfigRow[]): string {
  const differing = rows.filter(differsFromDefault).length;
  return `${differing} of ${rows.length} differ from the defaults`;
}
