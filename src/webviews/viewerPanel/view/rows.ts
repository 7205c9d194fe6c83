/** One row of the message list, and the list's column header. Cells are filled with text only. */
import type { MessageRow } from '../../../core/viewer/types';
import { dataText, h } from '../../shared/view/dom';
import { formatBytes } from '../../shared/view/format';
import { FORMAT_LABELS, formatLocal, formatUtc } from './rowFormat';
import { DLQ_HEADINGS, deadLetterCells } from './deadLetterColumns';

export const COLUMNS = ['partition', 'offset', 'timestamp', 'key', 'value', 'size', 'format', 'status'] as const;
const HEADINGS: Record<(typeof COLUMNS)[number], string> = {
  partition: 'Partition',
  offset: 'Offset',
  timestamp: 'Timestamp',
  key: 'Key',
  value: 'Value',
  size: 'Size',
  format: 'Format',
  status: 'Decoded',
};
const STATUS: Record<MessageRow['status'], string> = { ok: 'ok', error: 'error', null: 'null' };

export function listHeader(): HTMLElement {
  return h(
    'div',
    { className: 'vl-header', role: 'row' },
    ...COLUMNS.map((c) => h('span', { className: `cell cell-${c}`, role: 'columnheader' }, HEADINGS[c])),
    ...DLQ_HEADINGS(),
  );
}

/** Fills a pooled row element; the previous row's cells are replaced, never appended to. */
export function renderRow(element: HTMLElement, row: MessageRow): void {
  const cell = (name: (typeof COLUMNS)[number], ...content: Array<Node | string>) =>
    h('span', { className: `cell cell-${name}`, role: 'gridcell' }, ...content);
  const time = cell('timestamp', formatLocal(row.timestamp));
  time.title = `UTC ${formatUtc(row.timestamp)}`;
  const status = cell('status', STATUS[row.status] ?? String(row.status));
  if (row.status === 'error') status.classList.add('error-text');
  element.replaceChildren(
    cell('partition', String(row.partition)),
    cell('offset', String(row.offset)),
    time,
    cell('key', dataText(row.key)),
    cell('value', dataText(row.value)),
    cell('size', formatBytes(row.size)),
    cell('format', FORMAT_LABELS[row.format] ?? String(row.format)),
    status,
    ...deadLetterCells(row),
  );
  element.classList.toggle('row-error', row.status === 'error');
}
