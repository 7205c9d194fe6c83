import type { DisplayModel, Segments } from '../../../../src/core/codec/displayModel';

/**
 * Our display model in the form interop/pyview.py gives Python's decoded values: timestamps and
 * times as datetime.isoformat(timespec="microseconds"), durations as their 12 bytes (fastavro has no
 * duration type), exact integers as BigInt. Decimals, dates, UUIDs and bytes already read the same.
 */
export function interopView(model: DisplayModel): unknown {
  const root: { v: unknown } = { v: structuredClone(model.json) };
  const at = (segments: Segments): [Record<string | number, unknown>, string | number] => {
    let parent = root as unknown as Record<string | number, unknown>;
    let key: string | number = 'v';
    for (const segment of segments) {
      parent = parent[key] as Record<string | number, unknown>;
      key = segment;
    }
    return [parent, key];
  };
  for (const note of model.notes) {
    const [parent, key] = at(note.at);
    const value = parent[key];
    if (note.kind === 'number' && typeof value === 'string' && /^-?\d+$/.test(value)) parent[key] = BigInt(value);
    if (note.kind !== 'logical' || typeof value !== 'string') {
      if (note.kind === 'logical' && note.logicalType === 'duration') parent[key] = note.base;
      continue;
    }
    const m = /^(.*?)(?:\.(\d+))?(Z?)$/.exec(value)!;
    const micros = `.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}`;
    if (note.logicalType.startsWith('timestamp-')) parent[key] = `${m[1]}${micros}+00:00`;
    else if (note.logicalType.startsWith('local-timestamp-') || note.logicalType.startsWith('time-'))
      parent[key] = `${m[1]}${micros}`;
  }
  return root.v;
}
