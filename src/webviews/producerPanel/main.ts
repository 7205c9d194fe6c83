// The producer form's webview: a record typed by hand (or pre-filled by Produce Copy), validated by
// the host against the schema, each problem shown at its field, then sent. Every string that came
// from a topic, a schema or the host is rendered as text only (shared/view/dom.ts).
import type { FieldProblem, PayloadForm, PayloadInput, ProduceField } from '../../core/produce/payloadForms';
import { MAX_GENERATE_COUNT, MAX_GENERATE_RATE } from '../../core/produce/generateLimits';
import { button, clear, dataText, h } from '../shared/view/dom';
import { WebviewConnection } from '../shared/view/webviewApi';
import {
  CancelGeneratedNotification,
  CreateTopicNotification,
  GenerateRequest,
  type GenerationState,
  isGenerateCount,
  isGenerateRate,
  isSeed,
  ProduceGeneratedNotification,
  type ProducerDraft,
  type ProducerPanelState,
  ProducerPanelWebview,
  SEND_TIMEOUT_MS,
  SendRequest,
  type SendResult,
  ValidateRequest,
  ViewInViewerNotification,
} from './protocol';

const connection = new WebviewConnection<ProducerPanelState, { draft: ProducerDraft }>({
  descriptor: ProducerPanelWebview,
  render: (state) => render(state),
});
const root = connection.root;

const FORM_LABELS: Record<PayloadForm, string> = {
  json: 'JSON',
  text: 'Text',
  hex: 'Hex',
  base64: 'Base64',
  schema: 'Schema Registry',
  null: 'Null',
};

let current: ProducerPanelState | undefined;
let takenPrefill = 0;

// ---- static layout ----

function select(id: string, label: string, options: ReadonlyArray<[string, string]>): HTMLSelectElement {
  const element = h('select', { id, attrs: { 'aria-label': label } });
  for (const [value, text] of options) element.appendChild(h('option', { attrs: { value } }, text));
  return element;
}

function input(id: string, label: string, placeholder = ''): HTMLInputElement {
  const element = h('input', { id, attrs: { type: 'text', 'aria-label': label, placeholder, spellcheck: 'false' } });
  return element;
}

function fieldError(field: ProduceField): HTMLDivElement {
  return h('div', { className: 'field-error', role: 'alert', hidden: true, attrs: { 'data-field': field } });
}

interface PayloadControls {
  readonly form: HTMLSelectElement;
  readonly text: HTMLTextAreaElement;
  readonly schemaRow: HTMLDivElement;
  readonly format: HTMLSelectElement;
  readonly strategy: HTMLSelectElement;
  readonly recordName: HTMLInputElement;
  readonly subject: HTMLInputElement;
  readonly version: HTMLInputElement;
  readonly messageType: HTMLInputElement;
  readonly error: HTMLDivElement;
  readonly section: HTMLElement;
}

function payloadControls(role: 'key' | 'value', initial: PayloadForm): PayloadControls {
  const form = select(
    `${role}-form`,
    `${role} form`,
    (Object.keys(FORM_LABELS) as PayloadForm[]).map((f) => [f, FORM_LABELS[f]]),
  );
  form.value = initial;
  const text = h('textarea', {
    id: `${role}-text`,
    className: 'payload-input',
    attrs: { 'aria-label': `${role}`, spellcheck: 'false', rows: role === 'key' ? '2' : '10' },
  });
  const format = select(`${role}-schema-format`, `${role} schema format`, [
    ['avro', 'Avro'],
    ['protobuf', 'Protobuf'],
    ['jsonSchema', 'JSON Schema'],
  ]);
  const strategy = select(`${role}-strategy`, `${role} subject strategy`, [
    ['TopicName', 'TopicName'],
    ['RecordName', 'RecordName'],
    ['TopicRecordName', 'TopicRecordName'],
  ]);
  const recordName = input(`${role}-record-name`, `${role} record name`, 'record / message full name');
  const subject = input(`${role}-subject`, `${role} subject`, 'subject (instead of the strategy)');
  const version = input(`${role}-version`, `${role} schema version`, 'latest');
  const messageType = input(`${role}-message-type`, `${role} Protobuf message type`, 'Protobuf message (first)');
  const schemaRow = h(
    'div',
    { className: 'schema-row', hidden: initial !== 'schema' },
    format,
    strategy,
    recordName,
    subject,
    version,
    messageType,
  );
  form.addEventListener('change', () => {
    schemaRow.hidden = form.value !== 'schema';
    text.disabled = form.value === 'null';
  });
  const error = fieldError(role);
  const section = h(
    'section',
    { className: `payload-section ${role}` },
    h('div', { className: 'bar' }, h('h2', {}, role === 'key' ? 'Key' : 'Value'), form),
    schemaRow,
    text,
    error,
  );
  return { form, text, schemaRow, format, strategy, recordName, subject, version, messageType, error, section };
}

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

// ---- Generate from schema, Produce N ----

const generateCount = h('input', {
  id: 'generate-count',
  attrs: { type: 'text', inputmode: 'numeric', 'aria-label': 'how many records Produce N sends', value: '10' },
});
const generateSeed = input('generate-seed', 'seed', 'random');
const generateRate = input('generate-rate', 'rate in messages per second', 'no limit');
const generateButton = button('Generate', {
  title: 'Fill the value with a random valid record of its schema (the topic’s value subject when none is chosen)',
  onClick: () => void generate(),
});
const produceNButton = button('Produce N', {
  title: 'Send N generated records with this key, these headers and this partition',
  onClick: () => void produceN(),
});
const cancelGeneratedButton = button('Cancel', {
  title: 'Stop after the records in flight; the summary counts exactly what was sent',
  onClick: () => connection.notify(CancelGeneratedNotification),
});
generateButton.id = 'generate';
produceNButton.id = 'produce-n';
cancelGeneratedButton.id = 'cancel-generated';
cancelGeneratedButton.hidden = true;
const generateProgress = h('progress', { id: 'generate-progress', hidden: true, attrs: { max: '1', value: '0' } });
const generateStatus = h('div', {
  id: 'generate-status',
  className: 'generate-status',
  role: 'status',
  attrs: { 'aria-live': 'polite' },
});
const generateSection = h(
  'section',
  { className: 'generate-section' },
  h('h2', {}, 'Generate from schema'),
  h(
    'div',
    { className: 'row' },
    generateButton,
    h('label', { attrs: { for: 'generate-count' } }, 'N'),
    generateCount,
    h('label', { attrs: { for: 'generate-seed' } }, 'Seed'),
    generateSeed,
    h('label', { attrs: { for: 'generate-rate' } }, 'Rate (msg/s)'),
    generateRate,
    produceNButton,
    cancelGeneratedButton,
  ),
  generateProgress,
  generateStatus,
);

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
  generateSection,
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

function setGenerateStatus(text: string, phase: string): void {
  clear(generateStatus);
  generateStatus.setAttribute('data-phase', phase);
  generateStatus.appendChild(dataText(text));
}

/** The seed, count and rate fields, checked here (the host checks again). */
function generateFields():
  { ok: true; seed?: number; count: number; ratePerSecond?: number } | { ok: false; message: string } {
  const seedText = generateSeed.value.trim();
  const seed = seedText === '' ? undefined : Number(seedText);
  if (!/^\d*$/.test(seedText) || !isSeed(seed))
    return {
      ok: false,
      message: 'The seed is a whole number from 0 to 9007199254740991; leave it empty for a random one.',
    };
  const countText = generateCount.value.trim().replace(/[_,]/g, '');
  const count = Number(countText);
  if (!/^\d+$/.test(countText) || !isGenerateCount(count))
    return { ok: false, message: `N is a whole number from 1 to ${MAX_GENERATE_COUNT.toLocaleString('en-US')}.` };
  const rateText = generateRate.value.trim();
  const rate = rateText === '' ? undefined : Number(rateText);
  if (!isGenerateRate(rate))
    return {
      ok: false,
      message: `The rate is messages per second, more than 0 and at most ${MAX_GENERATE_RATE.toLocaleString('en-US')}; leave it empty for no limit.`,
    };
  return {
    ok: true,
    count,
    ...(seed !== undefined ? { seed } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
  };
}

function fillPayload(c: PayloadControls, p: PayloadInput): void {
  c.form.value = p.form;
  c.text.value = p.text;
  c.text.disabled = p.form === 'null';
  c.schemaRow.hidden = p.form !== 'schema';
  if (p.schema) {
    c.format.value = p.schema.format;
    c.strategy.value = p.schema.strategy;
    c.version.value = p.schema.version === 'latest' ? '' : String(p.schema.version);
    c.recordName.value = p.schema.recordName ?? '';
    c.subject.value = p.schema.subject ?? '';
    c.messageType.value = p.schema.messageType ?? '';
  }
}

let generating = false;
async function generate(): Promise<void> {
  if (generating) return;
  const fields = generateFields();
  if (!fields.ok) return setGenerateStatus(fields.message, 'invalid');
  const draft = draftOf();
  if (!draft) return;
  generating = true;
  generateButton.disabled = true;
  setGenerateStatus('Generating…', 'generating');
  try {
    const generated = await connection.request(
      GenerateRequest,
      { draft, ...(fields.seed !== undefined ? { seed: fields.seed } : {}) },
      { timeoutMs: SEND_TIMEOUT_MS },
    );
    if (!generated.ok) return setGenerateStatus(generated.message, 'failed');
    fillPayload(value, generated.value);
    clearProblems();
    setGenerateStatus(
      `Generated from ${generated.subject} version ${generated.version} (seed ${generated.seed}). Validate or Send it, or Produce N.`,
      'generated',
    );
    connection.save({ draft: draftOf() ?? draft });
  } catch (error) {
    setGenerateStatus(`Generate failed: ${error instanceof Error ? error.message : String(error)}`, 'failed');
  } finally {
    generating = false;
    generateButton.disabled = current?.hasRegistry === false;
  }
}

function produceN(): void {
  if (current?.generation && isRunning(current.generation)) return;
  const fields = generateFields();
  if (!fields.ok) return setGenerateStatus(fields.message, 'invalid');
  const draft = draftOf();
  if (!draft) return;
  connection.save({ draft });
  connection.notify(ProduceGeneratedNotification, {
    draft,
    count: fields.count,
    ...(fields.seed !== undefined ? { seed: fields.seed } : {}),
    ...(fields.ratePerSecond !== undefined ? { ratePerSecond: fields.ratePerSecond } : {}),
  });
  produceNButton.disabled = true;
  setGenerateStatus('Starting…', 'loading');
}

const isRunning = (g: GenerationState): boolean => g.phase === 'loading' || g.phase === 'running';

let shownRun = 0;
function renderGeneration(g: GenerationState | undefined, hasRegistry: boolean): void {
  const running = g !== undefined && isRunning(g);
  generateButton.disabled = !hasRegistry || generating;
  produceNButton.disabled = !hasRegistry || running;
  if (!hasRegistry)
    generateButton.title = produceNButton.title =
      'Generate needs a Schema Registry: edit the cluster connection to add it.';
  cancelGeneratedButton.hidden = !running;
  if (!g) return;
  if (g.run < shownRun) return;
  shownRun = g.run;
  generateProgress.hidden = !running;
  generateProgress.max = Math.max(1, g.requested);
  generateProgress.value = g.sent;
  generateStatus.setAttribute('data-run', String(g.run));
  generateStatus.setAttribute('data-sent', String(g.sent));
  generateStatus.setAttribute('data-failed', String(g.failed));
  const from = g.subject ? ` from ${g.subject} version ${g.version ?? '?'}` : '';
  const text =
    g.phase === 'loading'
      ? 'Reading the schema…'
      : g.phase === 'running'
        ? `Producing${from}: ${g.sent.toLocaleString('en-US')} of ${g.requested.toLocaleString('en-US')} sent, ${g.failed} failed (seed ${g.seed ?? '?'}).`
        : (g.message ?? g.phase);
  setGenerateStatus(text, g.phase);
  generateStatus.setAttribute('data-run', String(g.run));
  if (g.partitions?.length && !running)
    generateStatus.appendChild(
      h(
        'ul',
        { className: 'generate-partitions' },
        ...g.partitions.map((p) =>
          h(
            'li',
            { attrs: { 'data-partition': String(p.partition) } },
            `Partition ${p.partition}: ${p.count.toLocaleString('en-US')} records, offsets ${p.firstOffset}–${p.lastOffset}`,
          ),
        ),
      ),
    );
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
  renderGeneration(state.generation, state.hasRegistry);
}

connection.start();
