/**
 * The filter form: free text, key equals/contains, a header, partitions, offset and time ranges,
 * decode errors only, and a CEL expression. It turns its fields into a ViewerFilter (debounced) and
 * says what is wrong with a field before anything is sent; the host answers with the match count,
 * or the expression's error (with its position), which is shown under the field.
 */
import type { ViewerFilter } from '../../../core/viewer/types';
import { dataText, h } from '../../shared/view/dom';
import { formatLocal, parseTime } from './rowFormat';

const DEBOUNCE_MS = 300;

export interface FilterBar {
  readonly element: HTMLElement;
  /** The host's answer to the last filter: the match count, or an error to show. */
  showResult(result: { matched: number; buffered: number } | { error: string }): void;
  /** Sets the time range (from the timeline's brush) and applies the filter. */
  setTime(range: { from: number; to: number } | undefined): void;
  readonly time: { from?: number; to?: number } | undefined;
}

export function createFilterBar(options: { onChange(filter: ViewerFilter): void }): FilterBar {
  const field = (name: string, label: string, placeholder = '', className = '') => {
    const input = h('input', {
      className: `filter-${name} ${className}`.trim(),
      attrs: { type: 'text', name, placeholder, 'aria-label': label, spellcheck: 'false', autocomplete: 'off' },
    });
    input.addEventListener('input', schedule);
    return input;
  };
  const text = field('text', 'Text in key, value or headers', 'Text in key, value, headers');
  const keyMode = h(
    'select',
    { className: 'filter-key-mode', attrs: { 'aria-label': 'Key match' } },
    h('option', { attrs: { value: 'contains' } }, 'key contains'),
    h('option', { attrs: { value: 'equals' } }, 'key equals'),
  );
  keyMode.addEventListener('change', schedule);
  const key = field('key', 'Key', 'Key');
  const headerName = field('headerName', 'Header name', 'Header name');
  const headerValue = field('headerValue', 'Header value (empty: present)', 'equals (empty: present)');
  const partitions = field('partitions', 'Partitions, e.g. 0, 2-4', 'Partitions: 0, 2-4', 'narrow');
  const offsetFrom = field('offsetFrom', 'From offset', 'From offset', 'narrow');
  const offsetTo = field('offsetTo', 'To offset', 'To offset', 'narrow');
  const timeFrom = field('timeFrom', 'From time (local, ISO or epoch ms)', 'From time');
  const timeTo = field('timeTo', 'To time (local, ISO or epoch ms)', 'To time');
  const errorsOnly = h('input', { className: 'filter-errors', attrs: { type: 'checkbox', name: 'errorsOnly' } });
  errorsOnly.addEventListener('change', schedule);
  const expression = h('textarea', {
    className: 'filter-expression',
    attrs: {
      name: 'expression',
      rows: '1',
      spellcheck: 'false',
      'aria-label': 'CEL expression',
      placeholder: 'CEL, e.g. value.amount > 100 && headers["source"] == "web"',
    },
  });
  expression.addEventListener('input', schedule);
  const status = h('p', { className: 'filter-status', role: 'status', attrs: { 'aria-live': 'polite' } });

  // A search region, not a <form>: nothing here is ever submitted anywhere; Enter applies at once.
  const element = h(
    'div',
    { className: 'filters', role: 'search', attrs: { 'aria-label': 'Filters' } },
    h('div', { className: 'filter-row' }, text, keyMode, key, headerName, headerValue),
    h(
      'div',
      { className: 'filter-row' },
      partitions,
      offsetFrom,
      offsetTo,
      timeFrom,
      timeTo,
      h('label', { className: 'filter-check' }, errorsOnly, ' Decode errors only'),
    ),
    h('div', { className: 'filter-row' }, expression),
    status,
  );
  element.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.target instanceof HTMLTextAreaElement) return;
    event.preventDefault();
    if (timer !== undefined) clearTimeout(timer);
    apply();
  });

  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastSent = '';
  let time: { from?: number; to?: number } | undefined;

  function schedule(): void {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(apply, DEBOUNCE_MS);
  }

  function apply(): void {
    timer = undefined;
    const built = build();
    if ('error' in built) {
      status.className = 'filter-status error-text';
      status.replaceChildren(built.error);
      return;
    }
    const key = JSON.stringify(built.filter);
    if (key === lastSent) return;
    lastSent = key;
    status.className = 'filter-status muted';
    status.textContent = 'Filtering…';
    options.onChange(built.filter);
  }

  function build(): { filter: ViewerFilter } | { error: string } {
    const filter: { -readonly [K in keyof ViewerFilter]: ViewerFilter[K] } = {};
    if (text.value) filter.text = text.value;
    if (key.value) filter.key = keyMode.value === 'equals' ? { equals: key.value } : { contains: key.value };
    if (headerName.value)
      filter.header = headerValue.value
        ? { name: headerName.value, equals: headerValue.value }
        : { name: headerName.value };
    else if (headerValue.value) return { error: 'Name the header whose value should match.' };
    if (partitions.value.trim()) {
      const parsed = parsePartitions(partitions.value);
      if (!parsed) return { error: 'Partitions: numbers and ranges, e.g. "0, 2-4".' };
      filter.partitions = parsed;
    }
    const from = parseWhole(offsetFrom.value);
    const to = parseWhole(offsetTo.value);
    if (Number.isNaN(from) || Number.isNaN(to)) return { error: 'Offsets are whole numbers, 0 or more.' };
    if (from !== undefined || to !== undefined)
      filter.offsets = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
    const tFrom = parseTime(timeFrom.value);
    const tTo = parseTime(timeTo.value);
    if (Number.isNaN(tFrom) || Number.isNaN(tTo))
      return { error: 'Times: as the list shows them (2026-12-01 11:22:21.512), ISO 8601, or epoch milliseconds.' };
    time = tFrom !== undefined || tTo !== undefined ? { from: tFrom, to: tTo } : undefined;
    if (time)
      filter.time = {
        ...(tFrom !== undefined ? { from: tFrom } : {}),
        ...(tTo !== undefined ? { to: tTo } : {}),
      };
    if (errorsOnly.checked) filter.decodeErrorsOnly = true;
    if (expression.value.trim()) filter.expression = expression.value;
    return { filter };
  }

  return {
    element,
    showResult(result) {
      if ('error' in result) {
        status.className = 'filter-status error-text';
        status.replaceChildren('Filter not applied: ', dataText(result.error));
        lastSent = ''; // the same filter, sent again after a fix elsewhere, is tried again
      } else {
        status.className = 'filter-status muted';
        status.textContent = `${result.matched.toLocaleString()} of ${result.buffered.toLocaleString()} buffered messages match`;
      }
    },
    setTime(range) {
      timeFrom.value = range ? formatLocal(range.from) : '';
      timeTo.value = range ? formatLocal(range.to) : '';
      apply();
    },
    get time() {
      return time;
    },
  };
}

function parseWhole(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  return /^\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : Number.NaN;
}

function parsePartitions(text: string): number[] | undefined {
  const out = new Set<number>();
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(part);
    if (!m) return undefined;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 10_000) return undefined;
    for (let p = a; p <= b; p++) out.add(p);
  }
  return out.size ? [...out].sort((x, y) => x - y) : undefined;
}
