import type { HeaderView, PayloadView } from '../../../core/session/messageView';
import { jsonText, type LeafKind } from '../valueModel';
import { button, dataBlock, dataText, h } from './dom';
import { formatBytes } from './format';
import { jsonTree, type Expansion } from './jsonTree';
import { annotate } from './valueNotes';

/**
 * A message's key, value and headers as every panel shows them: by payload kind, data as text only
 * (dom.ts), structured values as a tree with a raw JSON view, bytes as a hex dump and as text.
 */

export interface PayloadOptions {
  /** Special values shown as one leaf in the tree and as their readable form in the raw view. */
  readonly kinds?: readonly LeafKind[];
}

const FORMAT_NAMES: Record<string, string> = {
  avro: 'Avro',
  protobuf: 'Protobuf',
  jsonSchema: 'JSON Schema',
  json: 'JSON',
};

/** The body of a key or value section, by payload kind. */
export function payloadBody(
  payload: PayloadView,
  role: 'key' | 'value',
  expansion: Expansion,
  options: PayloadOptions = {},
): HTMLElement {
  switch (payload.kind) {
    case 'null':
      return h('p', { className: 'muted' }, role === 'key' ? 'null (no key)' : 'null (a tombstone)');
    case 'text':
      return h(
        'div',
        {},
        dataBlock(payload.text, `${role} text`),
        payload.truncatedFrom !== undefined
          ? h(
              'p',
              { className: 'muted' },
              `Showing the first ${payload.text.length.toLocaleString()} of ${payload.truncatedFrom.toLocaleString()} characters.`,
            )
          : null,
      );
    case 'json':
      return structured(payload, role, expansion, options);
    case 'binary':
      return h('div', {}, bytes(payload.hex, payload.text, payload.size, payload.truncated, role));
    case 'error':
      return h(
        'div',
        { className: 'decode-error' },
        h(
          'p',
          { className: 'error-text', role: 'alert' },
          h('span', { className: 'error-label' }, 'Could not decode: '),
          dataText(payload.message),
        ),
        h(
          'p',
          { className: 'muted' },
          `Reason: ${payload.reason}`,
          payload.schemaId !== undefined ? ` · schema id in the header: ${payload.schemaId}` : '',
        ),
        bytes(payload.hex, payload.text, payload.size, payload.truncated, role),
      );
  }
}

/** A short label for the section heading, e.g. "Avro" or "binary, 12 bytes". */
export function payloadFormat(payload: PayloadView): string {
  switch (payload.kind) {
    case 'null':
      return 'null';
    case 'text':
      return 'text';
    case 'json':
      return [FORMAT_NAMES[payload.format] ?? payload.format, payload.messageType].filter(Boolean).join(' · ');
    case 'binary':
      return `binary · ${formatBytes(payload.size)}`;
    case 'error':
      return `decode error · ${formatBytes(payload.size)}`;
  }
}

function structured(
  payload: Extract<PayloadView, { kind: 'json' }>,
  role: string,
  expansion: Expansion,
  options: PayloadOptions,
): HTMLElement {
  const { json, violations } = payload;
  const container = h('div', { className: 'structured' });
  // Readable forms (decimals, dates, well-known types) over their base values, exact numbers, cuts.
  const noted = annotate(json, payload.notes);
  const treeFor = (base: boolean): HTMLElement =>
    jsonTree(noted.json, expansion, `${role} as a tree`, {
      ...options,
      kinds: [...(base ? noted.baseKinds : noted.readableKinds), ...(options.kinds ?? [])],
    });
  let tree = treeFor(false);
  const raw = h('div', { hidden: true });
  let rawRendered = false;
  const toggle = button('Raw JSON', {
    className: 'link-button',
    title: `Show the ${role} as JSON text`,
    onClick: () => {
      const showRaw = raw.hidden;
      if (showRaw && !rawRendered) {
        // JSON as it came, when it came as JSON; otherwise the decoded value written as JSON.
        const { text, truncated } = payload.rawText
          ? { text: payload.rawText.text, truncated: payload.rawText.truncatedFrom !== undefined }
          : jsonText(noted.json, { ...options, kinds: [...noted.readableKinds, ...(options.kinds ?? [])] });
        raw.appendChild(dataBlock(text, `${role} as JSON text`));
        if (truncated)
          raw.appendChild(
            h(
              'p',
              { className: 'muted' },
              `Showing the first ${text.length.toLocaleString()} characters${payload.rawText?.truncatedFrom !== undefined ? ` of ${payload.rawText.truncatedFrom.toLocaleString()}` : ''}.`,
            ),
          );
        rawRendered = true;
      }
      raw.hidden = !showRaw;
      tree.hidden = showRaw;
      toggle.querySelector('.label')!.textContent = showRaw ? 'Tree' : 'Raw JSON';
      toggle.setAttribute('aria-pressed', String(showRaw));
    },
  });
  toggle.setAttribute('aria-pressed', 'false');
  const tools = h('div', { className: 'structured-tools' }, toggle);
  if (noted.logicalCount) {
    let base = false;
    const baseToggle = button('Base values', {
      className: 'link-button',
      title: `Show the ${role}'s logical types as the values on the wire (bytes, day counts, epoch units)`,
      onClick: () => {
        base = !base;
        const next = treeFor(base);
        next.hidden = tree.hidden;
        tree.replaceWith(next);
        tree = next;
        baseToggle.querySelector('.label')!.textContent = base ? 'Readable values' : 'Base values';
        baseToggle.setAttribute('aria-pressed', String(base));
      },
    });
    baseToggle.setAttribute('aria-pressed', 'false');
    tools.appendChild(baseToggle);
  }
  if (violations?.length) {
    container.appendChild(
      h(
        'ul',
        { className: 'violations', attrs: { 'aria-label': 'Schema violations' } },
        ...violations.map((v) =>
          h(
            'li',
            {},
            dataText(v.path, 'data mono'),
            ': expected ',
            dataText(v.expected),
            ', found ',
            dataText(v.actual, 'data mono'),
          ),
        ),
      ),
    );
  }
  if (noted.cuts.length) {
    container.appendChild(
      h(
        'ul',
        { className: 'value-cuts muted', attrs: { 'aria-label': 'Shown in part' } },
        ...noted.cuts
          .slice(0, 20)
          .map((c) => h('li', {}, 'Shown in part at ', dataText(c.path, 'data mono'), ': ', dataText(c.detail))),
      ),
    );
  }
  container.append(tools, tree, raw);
  return container;
}

/** Raw bytes as a hex dump (offset, 16 bytes, printable ASCII) and as UTF-8 text. */
function bytes(hex: string, text: string, size: number, truncated: boolean, role: string): HTMLElement {
  const shown = hex.length / 2;
  return h(
    'div',
    { className: 'bytes' },
    h('h4', {}, 'Hex'),
    dataBlock(hexDump(hex), `${role} bytes in hex`, 'hexdump'),
    h('h4', {}, 'As text'),
    dataBlock(text, `${role} bytes as text`),
    truncated
      ? h('p', { className: 'muted' }, `Showing the first ${formatBytes(shown)} of ${formatBytes(size)}.`)
      : null,
  );
}

function hexDump(hex: string): string {
  const lines: string[] = [];
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  for (let at = 0; at < clean.length; at += 32) {
    const chunk = clean.slice(at, at + 32);
    const pairs = chunk.match(/../g) ?? [];
    const ascii = pairs.map((p) => {
      const code = parseInt(p, 16);
      return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : '.';
    });
    lines.push(`${(at / 2).toString(16).padStart(8, '0')}  ${pairs.join(' ').padEnd(47)}  ${ascii.join('')}`);
  }
  return lines.join('\n') || '(empty)';
}

export function headersTable(headers: readonly HeaderView[]): HTMLElement {
  if (headers.length === 0) return h('p', { className: 'muted' }, 'No headers.');
  const body = h('tbody');
  for (const header of headers) {
    body.appendChild(
      h(
        'tr',
        {},
        h('td', { className: 'header-key' }, dataText(header.key)),
        h('td', { className: 'header-text' }, h('div', { className: 'cell-scroll' }, dataText(header.text))),
        h('td', { className: 'header-hex mono' }, h('div', { className: 'cell-scroll' }, dataText(header.hex))),
        h('td', { className: 'num' }, formatBytes(header.size)),
      ),
    );
  }
  return h(
    'table',
    { className: 'headers-table' },
    h(
      'thead',
      {},
      h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Value'), h('th', {}, 'Hex'), h('th', { className: 'num' }, 'Size')),
    ),
    body,
  );
}
