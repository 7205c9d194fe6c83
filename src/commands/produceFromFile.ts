import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../core/logging';
import {
  importRecords,
  type ImportOptions,
  type ImportPayloadMode,
  type ImportSummary,
} from '../core/produce/fileImport';
import { describeImport } from '../core/produce/importSummaryText';
import { detectFormat, type FileFormat } from '../core/produce/recordSource';
import type { ProduceCommandDeps, Producing } from './producing';
import { isTopicRef, topicOf, type TopicRef } from './produceTargets';

export interface ProduceFromFileArgs extends TopicRef {
  /** A file path; without it (and without `text`) the active editor's document. */
  readonly file?: string;
  /** The text itself (a document's content). */
  readonly text?: string;
  readonly format?: FileFormat;
  readonly key?: ImportPayloadMode;
  readonly value?: ImportPayloadMode;
  readonly onBadRecord?: 'skip' | 'stop';
  readonly dryRun?: boolean;
}

/** Produce from File: records from a file, the active editor or given text, sent with a progress notification. */
export function produceFromFileCommand(
  deps: ProduceCommandDeps,
  producing: Producing,
): (arg?: unknown) => Promise<ImportSummary | undefined> {
  const produceFromFile = async (arg?: unknown): Promise<ImportSummary | undefined> => {
    const given = isTopicRef(arg) ? (arg as ProduceFromFileArgs) : undefined;
    const target = await topicOf(deps, arg, 'Produce from File');
    if (!target) return undefined;
    const { cluster, topic } = target;
    let source: { name: string | undefined; chunks: () => AsyncIterable<Buffer | string>; first: string };
    if (given?.text !== undefined) {
      const text = given.text;
      source = { name: undefined, chunks: () => oneChunk(text), first: text.slice(0, 1000) };
    } else if (given?.file) {
      source = fileSource(given.file);
    } else if (given) {
      const document = vscode.window.activeTextEditor?.document;
      if (!document) throw new Error('No file given and no editor is open: open the records file, or choose a file.');
      const text = document.getText();
      source = { name: document.fileName, chunks: () => oneChunk(text), first: text.slice(0, 1000) };
    } else {
      const picked = await askSource();
      if (!picked) return undefined;
      source = picked;
    }
    const format = given?.format ?? detectFormat(source.name, source.first);
    let options: Omit<ImportOptions, 'signal' | 'onProgress'>;
    if (given) {
      options = {
        topic,
        format,
        onBadRecord: given.onBadRecord ?? 'skip',
        ...(given.key ? { key: given.key } : {}),
        ...(given.value ? { value: given.value } : {}),
        ...(given.dryRun ? { dryRun: true } : {}),
      };
    } else {
      const asked = await askImportOptions(topic, format, deps.registries.client(cluster) !== undefined);
      if (!asked) return undefined;
      options = asked;
    }
    const producer = await producing.producer(cluster);
    const { encoder } = producing.codec(cluster);
    const summary = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `${options.dryRun ? 'Checking' : 'Producing'} ${source.name ? `"${source.name.split(/[\\/]/).pop() ?? ''}"` : 'the document'} to ${topic}`,
        cancellable: true,
      },
      async (progress, token) => {
        const controller = new AbortController();
        const cancel = token.onCancellationRequested(() => controller.abort());
        let last = 0;
        try {
          return await importRecords(
            source.chunks(),
            {
              ...options,
              signal: controller.signal,
              progressEveryRecords: 1000,
              onProgress: (p) => {
                const now = Date.now();
                if (now - last < 250) return;
                last = now;
                progress.report({ message: `${p.read} read, ${p.sent} sent, ${p.failed} failed` });
              },
            },
            { producer, encoder },
          );
        } finally {
          cancel.dispose();
        }
      },
    );
    report(summary, topic, deps.logger);
    return summary;
  };

  return produceFromFile;
}

async function* oneChunk(text: string): AsyncGenerator<string> {
  yield text;
}

function fileSource(file: string): { name: string; chunks: () => AsyncIterable<Buffer>; first: string } {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(1000);
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  return {
    name: file,
    chunks: () => fs.createReadStream(file, { highWaterMark: 256 * 1024 }),
    first: head.subarray(0, n).toString('utf8'),
  };
}

async function askSource(): Promise<
  { name: string | undefined; chunks: () => AsyncIterable<Buffer | string>; first: string } | undefined
> {
  const document = vscode.window.activeTextEditor?.document;
  const choices: Array<vscode.QuickPickItem & { id: 'file' | 'editor' }> = [
    {
      id: 'file',
      label: 'Choose a file…',
      description: '.json array or .ndjson of {key, value, headers, partition, timestamp}',
    },
  ];
  if (document) choices.unshift({ id: 'editor', label: 'The active editor', description: document.fileName });
  const choice = await vscode.window.showQuickPick(choices, { title: 'Produce from File: the records' });
  if (!choice) return undefined;
  if (choice.id === 'editor' && document) {
    const text = document.getText();
    return { name: document.fileName, chunks: () => oneChunk(text), first: text.slice(0, 1000) };
  }
  const uris = await vscode.window.showOpenDialog({
    canSelectMany: false,
    filters: { Records: ['json', 'ndjson', 'jsonl'], 'All files': ['*'] },
    title: 'Produce from File',
  });
  return uris?.[0] ? fileSource(uris[0].fsPath) : undefined;
}

async function askImportOptions(
  topic: string,
  format: FileFormat,
  hasRegistry: boolean,
): Promise<Omit<ImportOptions, 'signal' | 'onProgress'> | undefined> {
  const modes: Array<vscode.QuickPickItem & { mode: ImportPayloadMode }> = [
    {
      label: 'As written',
      description: 'strings as text, other JSON as JSON text (or per record: valueEncoding)',
      mode: { kind: 'auto' },
    },
  ];
  if (hasRegistry)
    for (const [format, name] of [
      ['avro', 'Avro'],
      ['protobuf', 'Protobuf'],
      ['jsonSchema', 'JSON Schema'],
    ] as const)
      modes.push({
        label: `${name}, subject ${topic}-value (latest)`,
        description: 'encode each value through the registry',
        mode: { kind: 'schema', schema: { format, strategy: 'TopicName', version: 'latest' } },
      });
  const value = await vscode.window.showQuickPick(modes, { title: 'Produce from File: the values' });
  if (!value) return undefined;
  const onBad = await vscode.window.showQuickPick(
    [
      { label: 'Skip bad records', description: 'send the others; the bad ones are listed', id: 'skip' as const },
      { label: 'Stop at the first bad record', description: 'the records before it are sent', id: 'stop' as const },
      { label: 'Check only (dry run)', description: 'encode every record, send none', id: 'dry' as const },
    ],
    { title: 'Produce from File: a record that cannot be sent' },
  );
  if (!onBad) return undefined;
  return {
    topic,
    format,
    value: value.mode,
    onBadRecord: onBad.id === 'stop' ? 'stop' : 'skip',
    ...(onBad.id === 'dry' ? { dryRun: true } : {}),
  };
}

/** The summary: a message that says what went, and every listed failure in the log. */
function report(summary: ImportSummary, topic: string, logger: Logger): void {
  for (const f of summary.failures)
    logger.warn(`record ${f.index + 1} (line ${f.line}, column ${f.column}) not sent: ${f.message}`, {
      reason: f.reason,
    });
  for (const p of summary.partitions)
    logger.info(`partition ${p.partition}: ${p.count} records, offsets ${p.firstOffset}–${p.lastOffset}`);
  const text = `Kafka Consumer Lab: ${describeImport(summary, topic)}`;
  logger.info(text);
  if (summary.outcome === 'complete') void vscode.window.showInformationMessage(text);
  else void vscode.window.showWarningMessage(text);
}
