import type { MessageView, PayloadView } from '../../../core/session/messageView';
import { clear, dataText, h } from './dom';
import { formatBytes, formatTimestamp } from './format';
import type { Expansion } from './jsonTree';
import { headersTable, payloadBody, payloadFormat, type PayloadOptions } from './payload';

/**
 * One consumed message as every panel shows it: where it is (topic, partition, offset, timestamp,
 * size, schema, plus the panel's own rows), its key and value by payload kind, and its headers.
 * Showing the same message again keeps its trees as the developer left them (open nodes, raw view).
 */
export interface MessageSection {
  readonly element: HTMLElement;
  show(message: MessageView, extraRows?: ReadonlyArray<readonly [string, Node | string]>): void;
  /** Forgets the message shown: the next `show` renders its payloads afresh. */
  reset(): void;
}

export function createMessageSection(options: PayloadOptions & { readonly label?: string } = {}): MessageSection {
  const meta = h('dl', { className: 'meta' });
  const key = payloadSection('Key', 'key', options);
  const value = payloadSection('Value', 'value', options);
  const headersBody = h('div');
  const headersHeading = h('h2', {}, 'Headers');
  const element = h(
    'section',
    { className: 'message', attrs: { 'aria-label': options.label ?? 'Message' } },
    meta,
    key.element,
    value.element,
    h('section', { className: 'headers' }, headersHeading, headersBody),
  );
  let shown: string | undefined;
  return {
    element,
    show(message, extraRows = []) {
      renderMeta(meta, message, extraRows);
      if (shown === message.id) return;
      shown = message.id;
      key.show(message.key);
      value.show(message.value);
      headersHeading.textContent = `Headers (${message.headers.length})`;
      headersBody.replaceChildren(headersTable(message.headers));
    },
    reset() {
      shown = undefined;
    },
  };
}

function renderMeta(
  meta: HTMLElement,
  m: MessageView,
  extraRows: ReadonlyArray<readonly [string, Node | string]>,
): void {
  const rows: Array<readonly [string, Node | string]> = [
    ['Topic', dataText(m.topic)],
    ['Partition', String(m.partition)],
    ['Offset', String(m.offset)],
    ['Timestamp', m.timestamp === null ? 'none' : `${formatTimestamp(m.timestamp)} (${m.timestampType})`],
    ['Size', formatBytes(m.size)],
  ];
  if (m.schema) {
    const s = m.schema;
    const parts: Array<Node | string> = [`id ${s.id}`];
    if (s.subject !== undefined) parts.push(' · subject ', dataText(s.subject));
    if (s.version !== undefined) parts.push(` · version ${s.version}`);
    parts.push(` · ${s.format}`);
    rows.push(['Schema', h('span', {}, ...parts)]);
  }
  rows.push(...extraRows);
  clear(meta);
  for (const [label, value] of rows)
    meta.append(h('div', { className: 'meta-item' }, h('dt', {}, label), h('dd', {}, value)));
}

/** A key or value: its heading with the format, and its body; the tree's expansion is kept per section. */
function payloadSection(label: string, role: 'key' | 'value', options: PayloadOptions) {
  const format = h('span', { className: 'format' });
  const body = h('div', { className: 'payload-body' });
  const expansion: Expansion = new Map();
  const element = h('section', { className: `payload payload-${role}` }, h('h2', {}, label, ' ', format), body);
  return {
    element,
    show(payload: PayloadView) {
      format.textContent = payloadFormat(payload);
      body.replaceChildren(payloadBody(payload, role, expansion, options));
    },
  };
}
