// The producer form's "Generate from schema" section: Generate fills the value with a random valid
// record of its schema; Produce N sends N of them (with the form's key, headers and partition) at an
// optional rate, with progress, cancel and a summary by partition. Browser code: no vscode, no Node.
import { MAX_GENERATE_COUNT, MAX_GENERATE_RATE } from '../../../core/produce/generateLimits';
import type { PayloadInput } from '../../../core/produce/payloadForms';
import { button, clear, dataText, h } from '../../shared/view/dom';
import type { WebviewConnection } from '../../shared/view/webviewApi';
import { input } from './payloadControls';
import {
  CancelGeneratedNotification,
  GenerateRequest,
  type GenerationState,
  isGenerateCount,
  isGenerateRate,
  isSeed,
  ProduceGeneratedNotification,
  type ProducerDraft,
  type ProducerPanelState,
  SEND_TIMEOUT_MS,
} from '../protocol';

export interface GenerateSectionDeps {
  readonly connection: WebviewConnection<ProducerPanelState, { draft: ProducerDraft }>;
  /** The form as a draft, or undefined when it has problems (shown at their fields). */
  draftOf(): ProducerDraft | undefined;
  /** Puts a generated value into the form's value controls. */
  fillValue(value: PayloadInput): void;
  clearProblems(): void;
}

export interface GenerateSection {
  readonly element: HTMLElement;
  /** Shows the host's Produce N run (if any) and whether a registry is there to generate from. */
  render(generation: GenerationState | undefined, hasRegistry: boolean): void;
}

const isRunning = (g: GenerationState): boolean => g.phase === 'loading' || g.phase === 'running';

export function generateSection({
  connection,
  draftOf,
  fillValue,
  clearProblems,
}: GenerateSectionDeps): GenerateSection {
  let shown: { generation: GenerationState | undefined; hasRegistry: boolean } | undefined;
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
  const element = h(
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
      fillValue(generated.value);
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
      generateButton.disabled = shown?.hasRegistry === false;
    }
  }

  function produceN(): void {
    if (shown?.generation && isRunning(shown.generation)) return;
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

  let shownRun = 0;
  function renderGeneration(g: GenerationState | undefined, hasRegistry: boolean): void {
    shown = { generation: g, hasRegistry };
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

  return { element, render: renderGeneration };
}
