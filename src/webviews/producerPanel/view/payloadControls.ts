// The producer form's controls that are the same for the key and the value (a payload's form, its
// text and its schema settings), and the small field builders the form is made of. Browser code:
// no vscode, no Node (shared/view/dom.ts renders every string as text).
import type { PayloadForm, PayloadInput, ProduceField } from '../../../core/produce/payloadForms';
import { h } from '../../shared/view/dom';

export const FORM_LABELS: Record<PayloadForm, string> = {
  json: 'JSON',
  text: 'Text',
  hex: 'Hex',
  base64: 'Base64',
  schema: 'Schema Registry',
  null: 'Null',
};

export function select(id: string, label: string, options: ReadonlyArray<[string, string]>): HTMLSelectElement {
  const element = h('select', { id, attrs: { 'aria-label': label } });
  for (const [value, text] of options) element.appendChild(h('option', { attrs: { value } }, text));
  return element;
}

export function input(id: string, label: string, placeholder = ''): HTMLInputElement {
  const element = h('input', { id, attrs: { type: 'text', 'aria-label': label, placeholder, spellcheck: 'false' } });
  return element;
}

export function fieldError(field: ProduceField): HTMLDivElement {
  return h('div', { className: 'field-error', role: 'alert', hidden: true, attrs: { 'data-field': field } });
}

export interface PayloadControls {
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

export function payloadControls(role: 'key' | 'value', initial: PayloadForm): PayloadControls {
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

/** Sets the controls to a payload (a saved draft, a Produce Copy prefill, a generated value). */
export function fillPayload(c: PayloadControls, p: PayloadInput): void {
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
