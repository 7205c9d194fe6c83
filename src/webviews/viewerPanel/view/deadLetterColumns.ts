/**
 * The dead-letter columns of the message list: where the message first was (topic, partition,
 * offset), the error type and message, when it failed and how often it was tried. They are in
 * every row but shown (CSS, `body.has-dlq`) only while the buffer holds dead letters. Text only.
 */
import type { MessageRow } from '../../../core/viewer/types';
import { dataText, h } from '../../shared/view/dom';
import { formatLocal } from './rowFormat';

const HEADINGS = [
  ['original', 'Original topic [partition] @ offset'],
  ['errorType', 'Error type'],
  ['errorMessage', 'Error message'],
  ['failedAt', 'Failed at'],
  ['retries', 'Retries'],
] as const;

export function DLQ_HEADINGS(): HTMLElement[] {
  return HEADINGS.map(([name, text]) =>
    h('span', { className: `cell cell-dlq cell-${name}`, role: 'columnheader' }, text),
  );
}

export function deadLetterCells(row: MessageRow): HTMLElement[] {
  const d = row.dlq;
  const cell = (name: string, ...content: Array<Node | string>) =>
    h('span', { className: `cell cell-dlq cell-${name}`, role: 'gridcell' }, ...content);
  if (!d) return HEADINGS.map(([name]) => cell(name));
  const where = `${d.originalTopic ?? '?'} [${d.originalPartition ?? '?'}] @ ${d.originalOffset ?? '?'}`;
  const failedAt = d.failedAt ? Date.parse(d.failedAt) : undefined;
  const failed = cell('failedAt', failedAt !== undefined ? formatLocal(failedAt) : '');
  if (d.failedAt) failed.title = `UTC ${d.failedAt}`;
  const message = cell('errorMessage', dataText(d.errorMessage ?? ''));
  if (d.errorMessage) message.title = d.errorMessage.slice(0, 1000);
  return [
    cell('original', dataText(where)),
    cell('errorType', dataText(d.errorType ?? '')),
    message,
    failed,
    cell('retries', d.retryCount !== undefined ? String(d.retryCount) : ''),
  ];
}
