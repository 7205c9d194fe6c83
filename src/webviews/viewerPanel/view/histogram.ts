/**
 * The timeline: message counts over time as SVG bars (all messages, and those matching the filter),
 * and a brush: drag across it to set the time filter. Built with createElementNS and attributes
 * only (no markup strings), so it stays within the strict CSP.
 */
import type { HistogramBucket } from '../../../core/viewer/types';
import { h } from '../../shared/view/dom';
import { formatLocal } from './rowFormat';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 1000;
const HEIGHT = 80;

export interface Histogram {
  readonly element: HTMLElement;
  render(buckets: readonly HistogramBucket[], brushed: { from?: number; to?: number } | undefined): void;
}

export function createHistogram(options: {
  /** A time range brushed (or undefined: cleared). */
  onBrush(range: { from: number; to: number } | undefined): void;
}): Histogram {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'histogram-svg');
  svg.setAttribute('role', 'img');
  const bars = document.createElementNS(SVG, 'g');
  const brush = document.createElementNS(SVG, 'rect');
  brush.setAttribute('class', 'histogram-brush');
  brush.setAttribute('y', '0');
  brush.setAttribute('height', String(HEIGHT));
  brush.setAttribute('width', '0');
  svg.append(bars, brush);
  const axis = h('div', { className: 'histogram-axis muted' });
  const clear = h('button', { className: 'link-button', attrs: { type: 'button' }, hidden: true }, 'Clear time range');
  clear.addEventListener('click', () => options.onBrush(undefined));
  const element = h(
    'section',
    { className: 'histogram', attrs: { 'aria-label': 'Messages over time' } },
    h('div', { className: 'histogram-head' }, h('h2', {}, 'Timeline'), clear),
    svg as unknown as HTMLElement,
    axis,
  );

  let current: readonly HistogramBucket[] = [];
  let dragFrom: number | undefined;

  const xOf = (event: PointerEvent): number => {
    const rect = svg.getBoundingClientRect();
    return rect.width > 0 ? Math.max(0, Math.min(WIDTH, ((event.clientX - rect.left) / rect.width) * WIDTH)) : 0;
  };
  const timeAt = (x: number): number | undefined => {
    if (current.length === 0) return undefined;
    const from = current[0]!.from;
    const to = current[current.length - 1]!.to;
    return Math.round(from + (x / WIDTH) * (to - from));
  };
  const showBrush = (a: number, b: number) => {
    brush.setAttribute('x', String(Math.min(a, b)));
    brush.setAttribute('width', String(Math.abs(b - a)));
  };

  svg.addEventListener('pointerdown', (event) => {
    if (current.length === 0) return;
    dragFrom = xOf(event);
    try {
      svg.setPointerCapture(event.pointerId);
    } catch {
      // No active pointer with that id (a synthetic event): the drag still works inside the SVG.
    }
    showBrush(dragFrom, dragFrom);
  });
  svg.addEventListener('pointermove', (event) => {
    if (dragFrom !== undefined) showBrush(dragFrom, xOf(event));
  });
  svg.addEventListener('pointerup', (event) => {
    if (dragFrom === undefined) return;
    const a = Math.min(dragFrom, xOf(event));
    const b = Math.max(dragFrom, xOf(event));
    dragFrom = undefined;
    const from = timeAt(a);
    const to = timeAt(b);
    if (from === undefined || to === undefined || b - a < 2) {
      showBrush(0, 0);
      return;
    }
    options.onBrush({ from, to });
  });

  return {
    element,
    render(buckets, brushed) {
      current = buckets;
      const max = buckets.reduce((m, b) => Math.max(m, b.count), 0);
      const width = buckets.length ? WIDTH / buckets.length : WIDTH;
      const children: SVGElement[] = [];
      buckets.forEach((b, i) => {
        const title = document.createElementNS(SVG, 'title');
        title.textContent = `${formatLocal(b.from)} – ${formatLocal(b.to)}: ${b.count.toLocaleString()} messages, ${b.matched.toLocaleString()} matching`;
        const all = bar(i * width, width, b.count, max, 'histogram-bar');
        all.appendChild(title);
        children.push(all, bar(i * width, width, b.matched, max, 'histogram-matched'));
      });
      bars.replaceChildren(...children);
      svg.setAttribute(
        'aria-label',
        `Messages over time: ${buckets.reduce((s, b) => s + b.count, 0).toLocaleString()} in ${buckets.length} buckets`,
      );
      axis.replaceChildren(
        h('span', {}, buckets.length ? formatLocal(buckets[0]!.from) : 'no timestamps yet'),
        h('span', {}, buckets.length ? formatLocal(buckets[buckets.length - 1]!.to) : ''),
      );
      const range = brushed && (brushed.from !== undefined || brushed.to !== undefined) ? brushed : undefined;
      clear.hidden = !range;
      if (range && buckets.length) {
        const start = buckets[0]!.from;
        const span = Math.max(1, buckets[buckets.length - 1]!.to - start);
        const x = (t: number | undefined, fallback: number) =>
          t === undefined ? fallback : Math.max(0, Math.min(WIDTH, ((t - start) / span) * WIDTH));
        showBrush(x(range.from, 0), x(range.to, WIDTH));
      } else if (dragFrom === undefined) showBrush(0, 0);
    },
  };
}

function bar(x: number, width: number, value: number, max: number, className: string): SVGRectElement {
  const rect = document.createElementNS(SVG, 'rect');
  const height = max > 0 ? (value / max) * (HEIGHT - 2) : 0;
  rect.setAttribute('class', className);
  rect.setAttribute('x', String(x + 0.5));
  rect.setAttribute('width', String(Math.max(0.5, width - 1)));
  rect.setAttribute('y', String(HEIGHT - height));
  rect.setAttribute('height', String(height));
  return rect;
}
