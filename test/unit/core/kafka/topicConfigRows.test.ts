import { strict as assert } from 'node:assert';
import {
  configRowView,
  configsSummary,
  differsFromDefault,
  type RawConfigEntry,
  sortConfigRows,
  sourceName,
  toConfigRows,
} from '../../../../src/core/kafka/topicConfigRows';

const entry = (
  configName: string,
  configValue: string | null,
  configSource: number,
  more: Partial<RawConfigEntry> = {},
): RawConfigEntry => ({
  configName,
  configValue,
  configSource,
  isDefault: configSource === 5,
  isSensitive: false,
  readOnly: false,
  ...more,
});

describe('topic config rows', () => {
  it('names every config source in Kafka words, and falls back on isDefault for an unknown one', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((code) => sourceName(code, false)),
      [
        'dynamic topic',
        'dynamic broker',
        'dynamic default broker',
        'static broker',
        'default',
        'dynamic broker logger',
      ],
    );
    assert.equal(sourceName(0, true), 'default');
    assert.equal(sourceName(0, false), 'unknown');
    assert.equal(sourceName(42, false), 'unknown');
  });

  it('puts the values that differ from the defaults first, each group by name', () => {
    const rows = toConfigRows([
      entry('segment.bytes', '1073741824', 5),
      entry('retention.ms', '123456', 1),
      entry('cleanup.policy', 'compact', 1),
      entry('compression.type', 'producer', 5),
      entry('min.insync.replicas', '1', 4),
    ]);
    assert.deepEqual(
      rows.map((r) => [r.name, r.source, differsFromDefault(r)]),
      [
        ['cleanup.policy', 'dynamic topic', true],
        ['min.insync.replicas', 'static broker', true],
        ['retention.ms', 'dynamic topic', true],
        ['compression.type', 'default', false],
        ['segment.bytes', 'default', false],
      ],
    );
    assert.equal(configsSummary(rows), '3 of 5 differ from the defaults');
  });

  it('never carries the value of a sensitive config', () => {
    const [row] = toConfigRows([entry('some.password', 'leaked?', 1, { isSensitive: true })]);
    assert.equal(row?.value, null);
    assert.equal(row?.sensitive, true);
    const view = configRowView(row!);
    assert.equal(view.label, 'some.password = (sensitive)');
    assert.ok(!view.tooltip.includes('leaked?'));
    assert.match(view.tooltip, /does not return its value/);
  });

  it('describes a row: the value range to highlight, where it was set, read-only', () => {
    const [differs, dflt] = toConfigRows([
      entry('retention.ms', '123456', 1),
      entry('segment.bytes', '1024', 5, { readOnly: true }),
    ]);
    const view = configRowView(differs!);
    assert.equal(view.label, 'retention.ms = 123456');
    assert.equal(view.label.slice(...view.valueRange), '123456');
    assert.equal(view.differs, true);
    assert.equal(view.description, 'dynamic topic config');
    assert.match(view.tooltip, /Differs from the default: set as a dynamic topic config/);
    const other = configRowView(dflt!);
    assert.equal(other.differs, false);
    assert.equal(other.description, 'default · read-only');
    assert.equal(configRowView({ ...dflt!, value: null }).label, 'segment.bytes = (no value)');
  });

  it('sorting does not change its input', () => {
    const rows = toConfigRows([entry('b', '1', 5), entry('a', '1', 5)]);
    const reversed = [...rows].reverse();
    assert.deepEqual(
      sortConfigRows(reversed).map((r) => r.name),
      ['a', 'b'],
    );
    assert.deepEqual(
      reversed.map((r) => r.name),
      ['b', 'a'],
    );
  });
});
