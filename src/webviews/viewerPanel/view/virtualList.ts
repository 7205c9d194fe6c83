/**
 * A virtualised list of fixed-height rows over a host-side buffer: the DOM holds only the rows on
 * screen plus an overscan, taken from a small pool of elements that are re-filled (textContent only)
 * as the list scrolls. Rows arrive in pages the host answers by scroll position, one request at a
 * time (pageRequests.ts): each answer is painted, and if the view moved or the rows changed
 * meanwhile the next page is asked at once. Past a few million pixels the
 * scroll range is scaled (browsers cap an element's height), so a million rows scroll end to end.
 */
import type { MessageRow, Page } from '../../../core/viewer/types';
import { h } from '../../shared/view/dom';
import { PageRequests } from './pageRequests';

export const ROW_HEIGHT = 22;
const OVERSCAN = 10;
/** Scroll ranges above this are scaled down (Chromium caps element heights near 33.5M px). */
const MAX_SCROLL_PX = 8_000_000;
/** A page is asked for at most this often while scrolling fast (the last position always follows). */
const PAGE_INTERVAL_MS = 30;

export interface VirtualListOptions {
  readonly label: string;
  /** Asks the host for rows `start`..`start + count` of the current view. */
  fetchPage(start: number, count: number): Promise<Page>;
  /** Fills one row element (a pool element: clear what a previous row left). */
  renderRow(element: HTMLElement, row: MessageRow, selected: boolean): void;
  /** A row was clicked or chosen with the keyboard. */
  onSelect(row: MessageRow): void;
  /** The rows marked for an action changed (a click marks one; ctrl/cmd-click toggles; shift-click adds a range). */
  onMarked?(seqs: readonly number[]): void;
  /** Following was on and the user scrolled away from the end: following is now off. */
  onFollowOff?(): void;
  /** The first rows with data are on screen (once). */
  onFirstRows?(): void;
}

export interface VirtualList {
  readonly element: HTMLElement;
  /** The rows in the filtered view changed (count, or content at revision): ask again. */
  update(total: number, revision: number): void;
  /** Marks the row with this seq as selected (or none). */
  select(seq: number | undefined): void;
  /** The seqs of the marked rows, in the order they were marked. */
  readonly marked: readonly number[];
  /** Unmarks every row (the view changed under them). */
  clearMarks(): void;
  scrollToIndex(index: number): void;
  /** Follow the end (live tail): when on, new rows scroll into view. */
  setFollow(follow: boolean): void;
  /**
   * Asks the first screen of rows before the count is known (the webview has just loaded): the
   * answer brings the count with it, so rows can show without waiting for the host's first state.
   */
  prime(): void;
  /** Rows the host sent unasked (the first screen): shown if nothing is on screen yet. */
  seed(page: Page): void;
  readonly total: number;
  /** Row elements in the DOM now (tests check it stays bounded). */
  readonly renderedRows: number;
}

export function createVirtualList(options: VirtualListOptions): VirtualList {
  const spacer = h('div', { className: 'vl-spacer', attrs: { 'aria-hidden': 'true' } });
  const rowsLayer = h('div', { className: 'vl-rows', role: 'rowgroup' });
  const viewport = h(
    'div',
    {
      className: 'vl-viewport',
      role: 'grid',
      tabIndex: 0,
      attrs: { 'aria-label': options.label, 'aria-rowcount': '0' },
    },
    spacer,
    rowsLayer,
  );
  const pool: HTMLElement[] = [];
  /** The rows of the latest page, by index in the view. */
  let cache = new Map<number, MessageRow>();
  let cacheRevision = -1;
  let total = 0;
  /** -1 until the host's first state: a primed page is asked at it. */
  let revision = -1;
  let priming = false;
  let selectedSeq: number | undefined;
  /** Rows marked for an action (re-drive selected), by seq; the anchor of a shift-click range. */
  let marked = new Set<number>();
  let anchorIndex = -1;
  let follow = false;
  let activeIndex = -1;
  let rowsShown = false;

  const viewportHeight = () => viewport.clientHeight || 400;
  const contentHeight = () => total * ROW_HEIGHT;
  const scrollRange = () => Math.min(contentHeight(), MAX_SCROLL_PX);
  /** Real (unscaled) pixel offset of the top of the viewport. */
  const realTop = () => {
    const range = scrollRange() - viewportHeight();
    const real = contentHeight() - viewportHeight();
    if (range <= 0 || real <= 0) return 0;
    return range >= real ? viewport.scrollTop : (viewport.scrollTop / range) * real;
  };
  const visibleRange = () => {
    const first = Math.max(0, Math.floor(realTop() / ROW_HEIGHT) - OVERSCAN);
    const count = Math.ceil(viewportHeight() / ROW_HEIGHT) + 2 * OVERSCAN;
    return { first, last: Math.min(total, first + count) };
  };

  function paint(): void {
    const { first, last } = visibleRange();
    const offset = realTop();
    const needed = Math.max(0, last - first);
    while (pool.length < needed) {
      const element = h('div', { className: 'vl-row', role: 'row' });
      element.addEventListener('click', (event) => {
        const index = Number(element.dataset.index);
        const row = cache.get(index);
        if (row) {
          activeIndex = index;
          mark(index, row, event.shiftKey ? 'range' : event.ctrlKey || event.metaKey ? 'toggle' : 'only');
          options.onSelect(row);
        }
      });
      pool.push(element);
      rowsLayer.appendChild(element);
    }
    while (pool.length > needed) pool.pop()!.remove();
    for (let i = 0; i < needed; i++) {
      const index = first + i;
      const element = pool[i]!;
      const row = cache.get(index);
      // Positioned relative to the scrolled viewport: exact rows even when the scroll range is scaled.
      element.style.transform = `translateY(${Math.round(viewport.scrollTop + index * ROW_HEIGHT - offset)}px)`;
      element.dataset.index = String(index);
      element.setAttribute('aria-rowindex', String(index + 1));
      if (row) {
        element.classList.remove('vl-loading');
        element.dataset.seq = String(row.seq);
        options.renderRow(element, row, row.seq === selectedSeq);
        element.classList.toggle('selected', row.seq === selectedSeq);
        element.classList.toggle('marked', marked.has(row.seq));
        element.setAttribute('aria-selected', String(row.seq === selectedSeq || marked.has(row.seq)));
        if (!rowsShown) {
          rowsShown = true;
          options.onFirstRows?.();
        }
      } else if (!element.classList.contains('vl-loading') || element.dataset.seq) {
        element.classList.add('vl-loading');
        element.classList.remove('selected', 'marked');
        delete element.dataset.seq;
        element.replaceChildren(h('span', { className: 'muted' }, '…'));
      }
    }
    const missing = needed > 0 && (cacheRevision !== revision || !cache.has(first) || !cache.has(last - 1));
    if (missing) pages.request();
  }

  /** A click marks its row only; ctrl/cmd toggles it; shift adds the loaded rows from the anchor to it. */
  function mark(index: number, row: MessageRow, how: 'only' | 'toggle' | 'range'): void {
    if (how === 'range' && anchorIndex >= 0) {
      const [from, to] = anchorIndex <= index ? [anchorIndex, index] : [index, anchorIndex];
      for (let i = from; i <= to; i++) {
        const r = cache.get(i);
        if (r) marked.add(r.seq);
      }
    } else if (how === 'toggle') {
      if (marked.has(row.seq)) marked.delete(row.seq);
      else marked.add(row.seq);
      anchorIndex = index;
    } else {
      marked = new Set([row.seq]);
      anchorIndex = index;
    }
    options.onMarked?.([...marked]);
  }

  const pages = new PageRequests({
    need: () => {
      if (priming && total === 0)
        return { start: 0, count: Math.ceil(viewportHeight() / ROW_HEIGHT) + OVERSCAN, revision };
      const { first, last } = visibleRange();
      return last > first ? { start: first, count: last - first, revision } : undefined;
    },
    fetch: (start, count) => options.fetchPage(start, count),
    answered: (page: Page, askedRevision) => show(page, askedRevision),
    intervalMs: PAGE_INTERVAL_MS,
    onError: (error) => console.warn('kafka-lab viewer: a page failed', error),
  });

  /**
   * Paints a page even if the rows changed since it was asked (fresher than what is on screen);
   * paint() asks again when the revision or the position moved.
   */
  function show(page: Page, askedRevision: number): void {
    const next = new Map<number, MessageRow>();
    page.rows.forEach((row, i) => next.set(page.start + i, row));
    cache = next;
    cacheRevision = askedRevision;
    priming = false;
    // The count comes with the state too: an older page's count would move the scrollbar back.
    if (askedRevision === revision && page.total !== total) setTotal(page.total);
    paint();
  }

  function setTotal(next: number): void {
    total = next;
    spacer.style.height = `${scrollRange()}px`;
    viewport.setAttribute('aria-rowcount', String(total));
  }

  /** Within a row of the end: where following keeps the view. */
  const atEnd = () => viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - ROW_HEIGHT;
  viewport.addEventListener(
    'scroll',
    () => {
      // New rows move the view to the end in the same task as they arrive, so a scroll that leaves
      // the end is the user's (wheel, scrollbar, keys): reading back there, the view must hold still.
      if (follow && !atEnd()) {
        follow = false;
        options.onFollowOff?.();
      }
      paint();
    },
    { passive: true },
  );
  viewport.addEventListener('keydown', (event) => {
    const step = event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0;
    if (!step || total === 0) return;
    event.preventDefault();
    const index = Math.max(0, Math.min(total - 1, (activeIndex < 0 ? visibleRange().first : activeIndex) + step));
    activeIndex = index;
    list.scrollToIndex(index);
    const row = cache.get(index);
    if (row) options.onSelect(row);
  });
  new ResizeObserver(() => paint()).observe(viewport);

  const list: VirtualList = {
    element: viewport,
    update(nextTotal, nextRevision) {
      revision = nextRevision;
      setTotal(nextTotal);
      if (follow && total > 0) {
        viewport.scrollTop = viewport.scrollHeight;
      }
      paint();
    },
    select(seq) {
      selectedSeq = seq;
      paint();
    },
    get marked() {
      return [...marked];
    },
    clearMarks() {
      if (marked.size === 0) return;
      marked = new Set();
      anchorIndex = -1;
      options.onMarked?.([]);
      paint();
    },
    scrollToIndex(index) {
      const real = index * ROW_HEIGHT;
      const top = realTop();
      if (real >= top && real + ROW_HEIGHT <= top + viewportHeight()) return;
      const range = scrollRange() - viewportHeight();
      const realRange = contentHeight() - viewportHeight();
      const target = Math.max(0, real - viewportHeight() / 2);
      viewport.scrollTop = realRange <= 0 ? 0 : range >= realRange ? target : (target / realRange) * range;
      paint();
    },
    prime() {
      priming = true;
      pages.request();
    },
    seed(page) {
      if (cache.size > 0 || page.rows.length === 0) return; // a page answered already: it is newer
      show(page, -1);
    },
    setFollow(on) {
      follow = on;
      if (on) viewport.scrollTop = viewport.scrollHeight;
    },
    get total() {
      return total;
    },
    get renderedRows() {
      return pool.length;
    },
  };
  return list;
}
