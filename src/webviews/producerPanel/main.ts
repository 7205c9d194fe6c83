// The producer form's webview: a record typed by hand (or pre-filled by Produce Copy), validated by
// the host against the schema, each problem shown at its field, then sent. Every string that came
// from a topic, a schema or the host is rendered as text only (shared/view/dom.ts).
import type { FieldProblem, PayloadForm, PayloadInput, ProduceField } from '../../core/produce/payloadForms';
import { button, clear, dataText, h } from '../shared/view/dom';
import { WebviewConnection } from '../shared/view/webviewApi';
import {
  CreateTopicNotification,
  type ProducerDraft,
  type ProducerPanelState,
  ProducerPanelWebview,
  SEND_TIMEOUT_MS,
  SendRequest,
  type SendResult,
  ValidateRequest,
  ViewInViewerNotification,
} from './protocol';
import { fieldError, fillPayload, input, type PayloadControls, payloadControls, select } from './view/payloadControls';
import { generateSection } from './view/generateSection';

const connection = new WebviewConnection<ProducerPanelState, { draft: ProducerDraft }>({
  descriptor: ProducerPanelWebview,
  render: (state) => render(state),
});
const root = connection.root;

let current: ProducerPanelState | undefined;
let takenPrefill = 0;

const heading = h('h1', { className: 'title' });
const settingsLine = h('div', { className: 'muted settings-line' });
const prefillNote = h('div', { className: 'muted prefill-note', hidden: true });
const partition = select('partition', 'partition', [['auto', 'Automatic']]);
const partitionError = fieldError('partition');
const timestamp = input('timestamp', 'timestamp', 'now, or 2026-12-01T10:00:00.000Z, or epoch ms');
const timestampError = fieldError('timestamp');
const headers = h('textarea', {
  id: 'headers',
  className: 'headers-input',
  attrs: { 'aria-label': 'headers', rows: '3', spellcheck: 'false', placeholder: 'name: value (one per line)' },
});
const headersError = fieldError('headers');
const topicError = fieldError('topic');
const key = payloadControls('key', 'text');
const value = payloadControls('value', 'json');
const generate = generateSection({
  connection,
  draftOf: () => draftOf(),
  fillValue: (generated) => fillPayload(value, generated),
  clearProblems: () => clearProblems(),
});
const result = h('div', { className: 'result', role: 'status', attrs: { 'aria-live': 'polite' } });
const validateButton = button('Validate', {
  title: 'Check and encode against the schema; sends nothing',
  onClick: () => void run('validate'),
});
const sendButton = button('Send', {
  className: 'primary',
  title: 'Validate, then write the record',
  onClick: () => void run('send'),
});

validateButton.id = 'validate';
sendButton.id = 'send';

root.replaceChildren(
  h('div', { className: 'bar' }, heading),
  settingsLine,
  prefillNote,
  topicError,
  h(
    'div',
    { className: 'row' },
    h('label', { attrs: { for: 'partition' } }, 'Partition'),
    partition,
    h('label', { attrs: { for: 'timestamp' } }, 'Timestamp'),
    timestamp,
  ),
  partitionError,
  timestampError,
  key.section,
  value.section,
  generate.element,
  h('section', { className: 'headers-section' }, h('h2', {}, 'Headers'), headers, headersError),
  h('div', { className: 'bar actions' }, validateButton, sendButton),
  result,
);

// ---- the draft ----

function payloadOf(c: PayloadControls): PayloadInput {
  const form = c.form.value as PayloadForm;
  if (form !== 'schema') return { form, text: c.text.value };
  const versionText = c.version.value.trim();
  const version = versionText === '' || versionText === 'latest' ? 'latest' : Number(versionText);
  return {
    form,
    text: c.text.value,
    schema: {
      format: c.format.value as 'avro' | 'protobuf' | 'jsonSchema',
      strategy: c.strategy.value as 'TopicName' | 'RecordName' | 'TopicRecordName',
      version: Number.isSafeInteger(version) && (version as number) > 0 ? version : 'latest',
      ...(c.recordName.value.trim() ? { recordName: c.recordName.value.trim() } : {}),
      ...(c.subject.value.trim() ? { subject: c.subject.value.trim() } : {}),
      ...(c.messageType.value.trim() ? { messageType: c.messageType.value.trim() } : {}),
    },
  };
}

function headersOf(): { ok: true; value: Array<{ key: string; value: string }> } | { ok: false; message: string } {
  const out: Array<{ key: string; value: string }> = [];
  const lines = headers.value.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, message: `Line ${i + 1}: write a header as "name: value".` };
    out.push({ key: line.slice(0, colon).trim(), value: line.slice(colon + 1).replace(/^ /, '') });
  }
  return { ok: true, value: out };
}

function draftOf(): ProducerDraft | undefined {
  const h = headersOf();
  if (!h.ok) {
    showProblems([{ field: 'headers', reason: 'invalidInput', message: h.message }]);
    return undefined;
  }
  return {
    ...(partition.value !== 'auto' ? { partition: Number(partition.value) } : {}),
    key: payloadOf(key),
    value: payloadOf(value),
    headers: h.value,
    ...(timestamp.value.trim() ? { timestamp: timestamp.value.trim() } : {}),
  };
}

function fillFrom(draft: ProducerDraft): void {
  partition.value = draft.partition !== undefined ? String(draft.partition) : 'auto';
  timestamp.value = draft.timestamp ?? '';
  headers.value = draft.headers.map((x) => `${x.key}: ${x.value}`).join('\n');
  fillPayload(key, draft.key);
  fillPayload(value, draft.value);
}

// ---- problems at their fields ----

const errorElements: Record<ProduceField, HTMLDivElement> = {
  topic: topicError,
  partition: partitionError,
  timestamp: timestampError,
  headers: headersError,
  key: key.error,
  value: value.error,
};

function clearProblems(): void {
  for (const element of Object.values(errorElements)) {
    clear(element);
    element.hidden = true;
  }
  for (const c of [key, value]) c.text.removeAttribute('aria-invalid');
}

function showProblems(problems: readonly FieldProblem[]): void {
  clearProblems();
  for (const problem of problems) {
    const element = errorElements[problem.field];
    element.hidden = false;
    element.appendChild(
      h('div', { className: 'problem', attrs: { 'data-reason': problem.reason } }, dataText(problem.message)),
    );
    if (problem.fieldErrors?.length) {
      const list = h('ul', { className: 'field-errors' });
      for (const e of problem.fieldErrors.slice(0, 200))
        list.appendChild(
          h(
            'li',
            { attrs: { 'data-path': e.path } },
            h('code', {}, dataText(e.path)),
            ': expected ',
            dataText(e.expected),
            ', got ',
            h('code', {}, dataText(e.actual)),
          ),
        );
      element.appendChild(list);
    }
    if (problem.field === 'topic' && problem.reason === 'topicNotFound')
      element.appendChild(
        button('Create Topic…', {
          title: 'Create the topic, then send again',
          onClick: () => connection.notify(CreateTopicNotification),
        }),
      );
    if (problem.field === 'key' || problem.field === 'value')
      (problem.field === 'key' ? key : value).text.setAttribute('aria-invalid', 'true');
  }
}

function showSent(sent: Extract<SendResult, { ok: true }>): void {
  clear(result);
  result.className = 'result sent';
  const at = sent.timestamp !== undefined ? new Date(sent.timestamp).toISOString() : 'the broker’s time';
  result.append(
    h('strong', {}, 'Sent. '),
    `Partition ${sent.partition}, offset ${sent.offset}, timestamp ${at}`,
    sent.valueSchema
      ? ` · value schema ${sent.valueSchema.id}${sent.valueSchema.subject ? ` (${sent.valueSchema.subject})` : ''}`
      : '',
  );
  result.append(
    ' ',
    button('View in Viewer', {
      className: 'link-button',
      title: 'Open the message viewer around this record (reads without a group, never commits)',
      onClick: () => connection.notify(ViewInViewerNotification, { partition: sent.partition, offset: sent.offset }),
    }),
  );
  result.setAttribute('data-partition', String(sent.partition));
  result.setAttribute('data-offset', String(sent.offset));
}

let busy = false;
async function run(what: 'validate' | 'send'): Promise<void> {
  if (busy) return;
  const draft = draftOf();
  if (!draft) return;
  connection.save({ draft });
  busy = true;
  validateButton.disabled = sendButton.disabled = true;
  clear(result);
  result.className = 'result';
  result.removeAttribute('data-offset');
  result.appendChild(document.createTextNode(what === 'send' ? 'Sending…' : 'Validating…'));
  try {
    if (what === 'validate') {
      const { problems } = await connection.request(ValidateRequest, draft, { timeoutMs: SEND_TIMEOUT_MS });
      showProblems(problems);
      clear(result);
      result.className = problems.length ? 'result failed' : 'result valid';
      result.appendChild(
        document.createTextNode(
          problems.length ? `${problems.length} problem(s); nothing was sent.` : 'Valid: ready to send.',
        ),
      );
    } else {
      const sent = await connection.request(SendRequest, draft, { timeoutMs: SEND_TIMEOUT_MS });
      if (sent.ok) {
        clearProblems();
        showSent(sent);
      } else {
        showProblems(sent.problems);
        clear(result);
        result.className = 'result failed';
        result.appendChild(
          document.createTextNode(`Not sent: ${sent.problems.length} problem(s), shown at their fields.`),
        );
      }
    }
  } catch (error) {
    clear(result);
    result.className = 'result failed';
    result.appendChild(dataText(`Failed: ${error instanceof Error ? error.message : String(error)}`));
  } finally {
    busy = false;
    validateButton.disabled = sendButton.disabled = false;
  }
}

// ---- state ----

function render(state: ProducerPanelState): void {
  const first = current === undefined;
  current = state;
  clear(heading);
  heading.append(
    'Produce to ',
    dataText(state.topic),
    h('span', { className: 'muted' }, ' on '),
    dataText(state.clusterName),
  );
  settingsLine.textContent = state.settings;
  const selected = partition.value;
  partition.replaceChildren(h('option', { attrs: { value: 'auto' } }, 'Automatic'));
  for (let p = 0; p < (state.partitions ?? 0); p++)
    partition.appendChild(h('option', { attrs: { value: String(p) } }, String(p)));
  partition.value = [...partition.options].some((o) => o.value === selected) ? selected : 'auto';
  if (first) {
    const saved = connection.saved.draft;
    if (saved) fillFrom(saved);
    if (!state.hasRegistry)
      for (const c of [key, value]) c.form.querySelector('option[value="schema"]')?.setAttribute('disabled', '');
  }
  if (state.prefill && state.prefill.seq !== takenPrefill) {
    takenPrefill = state.prefill.seq;
    fillFrom(state.prefill.draft);
    prefillNote.hidden = !state.prefill.note;
    prefillNote.textContent = state.prefill.note ?? '';
    clearProblems();
  }
  generate.render(state.generation, state.hasRegistry);
}

connection.start();
