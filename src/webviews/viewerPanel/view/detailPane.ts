/**
 * The selected message: where it is, its key and value (the shared message section: JSON tree with
 * readable logical types, schema, decode error, headers), its raw bytes as hex and text, and the
 * actions: copy the value, key or message as JSON, copy a path (click a node of a tree first),
 * Start Session Here, and Replay into Handler when a handler session runs on the topic.
 */
import { childPath } from '../../shared/valueModel';
import { button, h } from '../../shared/view/dom';
import { createMessageSection } from '../../shared/view/messageView';
import { payloadBody } from '../../shared/view/payload';
import type { WebviewConnection } from '../../shared/view/webviewApi';
import {
  CopyNotification,
  DetailRequest,
  ReplayNotification,
  ProduceCopyNotification,
  StartSessionHereNotification,
  type ViewerPanelState,
} from '../protocol';

export interface DetailPane {
  readonly element: HTMLElement;
  show(seq: number): Promise<void>;
  setCanReplay(can: boolean): void;
}

export function createDetailPane(options: {
  connection: WebviewConnection<ViewerPanelState>;
  canReplay(): boolean;
}): DetailPane {
  const { connection } = options;
  let seq: number | undefined;
  let path: string | undefined;
  let asked = 0;

  const copy = (what: 'value' | 'key' | 'message') => () => {
    if (seq !== undefined) connection.notify(CopyNotification, { what, seq });
  };
  const copyValue = button('Copy value', { title: 'Copy the value as JSON', onClick: copy('value') });
  const copyKey = button('Copy key', { title: 'Copy the key as JSON', onClick: copy('key') });
  const copyMessage = button('Copy message', {
    title: 'Copy the whole message (where, key, value, headers) as JSON',
    onClick: copy('message'),
  });
  const copyPath = button('Copy path', {
    title: 'Copy the path of the tree node you clicked, e.g. $.order.items[0].sku',
    onClick: () => path !== undefined && connection.notify(CopyNotification, { what: 'path', path }),
  });
  const startHere = button('Start Session Here', {
    title: 'Start a consumer group session on this partition, sought to this offset (asks for the group)',
    onClick: () => seq !== undefined && connection.notify(StartSessionHereNotification, { seq }),
  });
  const replay = button('Replay into Handler', {
    title: 'Run your running handler on this message again (nothing is committed)',
    onClick: () => seq !== undefined && connection.notify(ReplayNotification, { seq }),
  });
  const produceCopy = button('Produce Copy…', {
    title: 'Open the producer form filled with a copy of this message, to change and send',
    onClick: () => seq !== undefined && connection.notify(ProduceCopyNotification, { seq }),
  });
  const pathText = h('span', { className: 'path muted mono' });
  const tools = h(
    'div',
    { className: 'toolbar detail-tools', role: 'toolbar', attrs: { 'aria-label': 'Message actions' } },
    copyValue,
    copyKey,
    copyMessage,
    copyPath,
    pathText,
    h('span', { className: 'separator', attrs: { 'aria-hidden': 'true' } }),
    startHere,
    replay,
    produceCopy,
  );
  const section = createMessageSection({ label: 'Selected message' });
  const rawKey = h('div', { className: 'raw-key' });
  const rawValue = h('div', { className: 'raw-value' });
  const raw = h(
    'details',
    { className: 'raw-bytes' },
    h('summary', {}, 'Raw bytes'),
    h('h2', {}, 'Key'),
    rawKey,
    h('h2', {}, 'Value'),
    rawValue,
  );
  const empty = h('p', { className: 'empty muted' }, 'Select a message to see it here.');
  const body = h('div', { className: 'detail-body', hidden: true }, tools, section.element, raw);
  const element = h('section', { className: 'detail-pane', attrs: { 'aria-label': 'Message detail' } }, empty, body);

  // A click on a tree node picks its path (walked up the DOM from the node's own key labels).
  section.element.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const item = target?.closest('.jt-leaf, .jt-node');
    if (!item || !section.element.contains(item)) return;
    for (const old of section.element.querySelectorAll('.path-selected')) old.classList.remove('path-selected');
    item.classList.add('path-selected');
    path = treePath(item);
    pathText.textContent = path;
    copyPath.disabled = false;
  });

  const setEnabled = (on: boolean) => {
    for (const b of [copyValue, copyKey, copyMessage, startHere, replay]) b.disabled = !on;
  };

  return {
    element,
    async show(next) {
      const mine = ++asked;
      seq = next;
      path = undefined;
      pathText.textContent = '';
      copyPath.disabled = true;
      setEnabled(false);
      const result = await connection.request(DetailRequest, { seq: next }).catch((error: unknown) => {
        console.warn('kafka-lab viewer: the detail failed', error);
        return undefined;
      });
      if (mine !== asked) return;
      if (!result?.message) {
        body.hidden = true;
        empty.hidden = false;
        empty.textContent = result
          ? 'That message has left the buffer (the oldest are dropped to keep the bound).'
          : 'The message could not be loaded; select it again.';
        return;
      }
      empty.hidden = true;
      body.hidden = false;
      section.show(result.message, [['Seq', String(result.seq)]]);
      rawKey.replaceChildren(result.raw ? payloadBody(result.raw.key, 'key', new Map()) : '');
      rawValue.replaceChildren(result.raw ? payloadBody(result.raw.value, 'value', new Map()) : '');
      setEnabled(true);
      replay.hidden = !options.canReplay();
      element.dataset.seq = String(result.seq);
    },
    setCanReplay(can) {
      replay.hidden = !can;
    },
  };
}

/** `$`, then each enclosing node's key (`.name`, `["odd key"]`) or index (`[3]`), outermost first. */
function treePath(item: Element): string {
  const segments: Array<string | number> = [];
  for (let at: Element | null = item; at && !at.classList.contains('json-tree'); at = at.parentElement) {
    if (!at.classList.contains('jt-leaf') && !at.classList.contains('jt-node')) continue;
    const holder = at.classList.contains('jt-node') ? at.querySelector(':scope > summary') : at;
    const label = holder?.querySelector(':scope > .jt-key, :scope > .jt-index');
    if (!label) continue; // the root has no key
    segments.unshift(label.classList.contains('jt-index') ? Number(label.textContent) : (label.textContent ?? ''));
  }
  let path = '$';
  for (const s of segments) path = typeof s === 'number' ? `${path}[${s}]` : childPath(path, s);
  return path;
}
