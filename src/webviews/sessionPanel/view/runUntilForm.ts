import type { MessageView } from '../../../core/session/messageView';
import {
  isRunUntilCondition,
  parseJsonPath,
  type RunUntilCondition,
  type RunUntilKind,
} from '../../../core/session/runUntil';
import { button, h } from '../../shared/view/dom';

/** The form's fields as typed (kept in the webview's state so a reload does not lose them). */
export interface RunUntilDraft {
  kind: RunUntilKind;
  value: string;
  path: string;
  op: 'equals' | 'contains';
  on: 'value' | 'key';
  name: string;
  topic: string;
  partition: string;
  offset: string;
}

const KIND_LABELS: Record<RunUntilKind, string> = {
  keyEquals: 'the key equals',
  jsonPath: 'a JSON path matches',
  headerPresent: 'a header is present',
  offsetReached: 'an offset is reached',
  decodeError: 'a decode error',
  handlerError: 'a handler error',
};

export interface RunUntilForm {
  readonly element: HTMLElement;
  open(current: MessageView | undefined): void;
  close(): void;
  readonly isOpen: boolean;
}

/** A small inline form (no <form>: forms are disabled in this webview); Enter starts, Escape closes. */
export function createRunUntilForm(options: {
  initial?: Partial<RunUntilDraft>;
  onStart(condition: RunUntilCondition): void;
  onDraft(draft: RunUntilDraft): void;
  onClose(): void;
}): RunUntilForm {
  const draft: RunUntilDraft = {
    kind: 'jsonPath',
    value: '',
    path: '$.',
    op: 'equals',
    on: 'value',
    name: '',
    topic: '',
    partition: '',
    offset: '',
    ...options.initial,
  };
  const id = (name: string) => `run-until-${name}`;

  const kind = h(
    'select',
    { id: id('kind') },
    ...Object.entries(KIND_LABELS).map(([value, label]) => option(value, label)),
  );
  const path = input('path', 'JSON path', '$.order.status');
  const op = h('select', { id: id('op') }, option('equals', 'equals'), option('contains', 'contains'));
  const on = h('select', { id: id('on') }, option('value', 'in the value'), option('key', 'in the key'));
  const value = input('value', 'Value', 'text, or JSON such as 42 or "FAILED"');
  const name = input('name', 'Header name', 'trace-id');
  const topic = input('topic', 'Topic', 'any topic');
  const partition = input('partition', 'Partition', 'any partition', 'numeric');
  const offset = input('offset', 'Offset', '0', 'numeric');
  const error = h('p', { className: 'form-error', role: 'alert' });

  const rows: Record<string, HTMLElement> = {
    path: field('JSON path', path.element),
    op: field('Comparison', op),
    on: field('Where', on),
    value: field('Value', value.element),
    name: field('Header name', name.element),
    topic: field('Topic', topic.element),
    partition: field('Partition', partition.element),
    offset: field('Offset', offset.element),
  };
  const visibleRows: Record<RunUntilKind, string[]> = {
    keyEquals: ['value'],
    jsonPath: ['on', 'path', 'op', 'value'],
    headerPresent: ['name'],
    offsetReached: ['topic', 'partition', 'offset'],
    decodeError: [],
    handlerError: [],
  };

  const start = button('Start', {
    className: 'primary',
    title: 'Run until the condition matches, then stop on that message',
    shortcut: 'Enter',
    onClick: () => submit(),
  });
  const cancel = button('Close', {
    className: 'secondary',
    title: 'Close this form',
    shortcut: 'Escape',
    onClick: () => options.onClose(),
  });
  const element = h(
    'section',
    { className: 'run-until-form', hidden: true, attrs: { 'aria-label': 'Run until' } },
    h('h2', {}, 'Run until…'),
    h('div', { className: 'form-grid' }, field('Stop at', kind), ...Object.values(rows)),
    error,
    h('div', { className: 'form-buttons' }, start, cancel),
  );

  const sync = () => {
    draft.kind = kind.value as RunUntilKind;
    draft.path = path.element.value;
    draft.op = op.value as RunUntilDraft['op'];
    draft.on = on.value as RunUntilDraft['on'];
    draft.value = value.element.value;
    draft.name = name.element.value;
    draft.topic = topic.element.value;
    draft.partition = partition.element.value;
    draft.offset = offset.element.value;
    for (const [key, row] of Object.entries(rows)) row.hidden = !visibleRows[draft.kind].includes(key);
    error.textContent = '';
    options.onDraft({ ...draft });
  };
  const load = () => {
    kind.value = draft.kind;
    path.element.value = draft.path;
    op.value = draft.op;
    on.value = draft.on;
    value.element.value = draft.value;
    name.element.value = draft.name;
    topic.element.value = draft.topic;
    partition.element.value = draft.partition;
    offset.element.value = draft.offset;
  };
  const submit = () => {
    sync();
    const condition = build(draft);
    if (typeof condition === 'string') {
      error.textContent = condition;
      return;
    }
    options.onStart(condition);
  };
  element.addEventListener('input', sync);
  element.addEventListener('change', sync);
  element.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !(event.target instanceof HTMLButtonElement)) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      options.onClose();
    }
  });
  load();
  sync();

  return {
    element,
    get isOpen() {
      return !element.hidden;
    },
    open(current) {
      if (current && draft.kind === 'offsetReached' && !draft.topic && !draft.offset) {
        draft.topic = current.topic;
        draft.partition = String(current.partition);
        draft.offset = String(current.offset + 1);
        load();
      }
      element.hidden = false;
      kind.focus();
    },
    close() {
      element.hidden = true;
    },
  };

  function input(key: string, label: string, placeholder: string, inputMode?: string): { element: HTMLInputElement } {
    const element = h('input', {
      id: id(key),
      attrs: {
        type: 'text',
        placeholder,
        spellcheck: 'false',
        autocomplete: 'off',
        'aria-label': label,
        ...(inputMode ? { inputmode: inputMode } : {}),
      },
    });
    return { element };
  }
  function field(label: string, control: HTMLElement): HTMLElement {
    return h('label', { className: 'form-field' }, h('span', { className: 'form-label' }, label), control);
  }
}

function option(value: string, label: string): HTMLOptionElement {
  const element = h('option', {}, label);
  element.value = value;
  return element;
}

/** The condition the draft describes, or what is wrong with it. */
export function build(draft: RunUntilDraft): RunUntilCondition | string {
  let condition: RunUntilCondition;
  switch (draft.kind) {
    case 'keyEquals':
      condition = { kind: 'keyEquals', value: draft.value };
      break;
    case 'jsonPath': {
      const parsed = parseJsonPath(draft.path);
      if (!parsed.ok) return `The JSON path is not valid: ${parsed.error}.`;
      condition = {
        kind: 'jsonPath',
        path: draft.path.trim(),
        op: draft.op,
        value: draft.value,
        ...(draft.on === 'key' ? { on: 'key' as const } : {}),
      };
      break;
    }
    case 'headerPresent':
      if (!draft.name) return 'Give the header name.';
      condition = { kind: 'headerPresent', name: draft.name };
      break;
    case 'offsetReached': {
      const offset = count(draft.offset);
      if (offset === undefined || offset === null) return 'The offset must be a whole number, 0 or more.';
      const partition = draft.partition.trim() === '' ? undefined : count(draft.partition);
      if (partition === null) return 'The partition must be a whole number, 0 or more, or empty for any.';
      condition = {
        kind: 'offsetReached',
        offset,
        ...(draft.topic.trim() ? { topic: draft.topic.trim() } : {}),
        ...(partition !== undefined ? { partition } : {}),
      };
      break;
    }
    default:
      condition = { kind: draft.kind };
  }
  return isRunUntilCondition(condition) ? condition : 'This condition is not valid (too long?).';
}

function count(text: string): number | undefined | null {
  const trimmed = text.trim();
  if (!/^\d{1,15}$/.test(trimmed)) return trimmed === '' ? undefined : null;
  return Number(trimmed);
}
