import * as path from 'node:path';
import * as vscode from 'vscode';
import { type CommitPolicy, defaultBatchPolicy } from '../core/engine/commitPolicy';
import {
  type GeneratedDelivery,
  type GeneratedValueFormat,
  MAX_GENERATED_CONCURRENCY,
  type ProjectLanguage,
} from '../core/generator/generatorInput';
import { askCommitPolicy } from './sessionPrompts';

/** Hears each prompt as it opens (its step name): tests drive the real prompts with it. */
export type PromptTrace = (step: string) => void;

/** The generator's prompts; each answers undefined when cancelled. */
export interface GeneratorPrompts {
  language(): Promise<ProjectLanguage | undefined>;
  topics(all: readonly string[]): Promise<string[] | undefined>;
  groupId(suggested: string): Promise<string | undefined>;
  valueFormat(
    detected: { format: GeneratedValueFormat; subject: string; version: number } | undefined,
    note: string | undefined,
    hasRegistry: boolean,
  ): Promise<GeneratedValueFormat | undefined>;
  commitPolicy(): Promise<CommitPolicy | undefined>;
  delivery(): Promise<GeneratedDelivery | undefined>;
  outputTopic(suggested: string, topics: readonly string[]): Promise<string | undefined>;
  concurrency(): Promise<number | undefined>;
  dlqTopic(suggested: string, topics: readonly string[]): Promise<string | undefined>;
  folder(projectName: string): Promise<string | undefined>;
  overwrite(folder: string, existing: readonly string[]): Promise<boolean>;
}

const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const GROUP = /^[A-Za-z0-9._:-]{1,255}$/;

const FORMAT_LABELS: Record<GeneratedValueFormat, string> = {
  json: 'JSON',
  text: 'Text (UTF-8)',
  avro: 'Avro (Schema Registry)',
  jsonSchema: 'JSON Schema (Schema Registry)',
  protobuf: 'Protobuf (Schema Registry)',
};

export function generatorPrompts(title: string, trace: PromptTrace = () => undefined): GeneratorPrompts {
  const pick = async <T extends vscode.QuickPickItem>(
    step: string,
    items: T[],
    options: vscode.QuickPickOptions,
  ): Promise<T | undefined> => {
    const shown = vscode.window.showQuickPick(items, { title, ignoreFocusOut: true, ...options });
    trace(step);
    return shown;
  };
  const input = async (step: string, options: vscode.InputBoxOptions): Promise<string | undefined> => {
    const shown = vscode.window.showInputBox({ title, ignoreFocusOut: true, ...options });
    trace(step);
    return (await shown)?.trim();
  };
  return {
    async language() {
      const choice = await pick(
        'language',
        [
          { label: 'TypeScript', description: '@confluentinc/kafka-javascript', language: 'typescript' as const },
          {
            label: 'Python',
            description: 'confluent-kafka, the reference guide\u2019s library',
            language: 'python' as const,
          },
        ],
        { placeHolder: 'The language of the consumer' },
      );
      return choice?.language;
    },
    async topics(all) {
      const chosen = await pick(
        'topics',
        all.map((name) => ({ label: name })),
        { placeHolder: 'The topics to consume', canPickMany: true } as vscode.QuickPickOptions,
      );
      const list = chosen as unknown as vscode.QuickPickItem[] | undefined;
      return list?.map((c) => c.label);
    },
    groupId(suggested) {
      return input('groupId', {
        prompt: 'The consumer group id of the service',
        value: suggested,
        validateInput: (v) =>
          GROUP.test(v.trim()) ? undefined : 'Letters, digits, ".", "_", ":" or "-" (at most 255)',
      });
    },
    async valueFormat(detected, note, hasRegistry) {
      const items: Array<vscode.QuickPickItem & { format: GeneratedValueFormat }> = [];
      if (detected)
        items.push({
          label: FORMAT_LABELS[detected.format],
          description: `${detected.subject} v${detected.version}: types generated from it`,
          format: detected.format,
        });
      for (const format of ['json', 'text', 'avro', 'jsonSchema', 'protobuf'] as const) {
        // Protobuf only from the subject: its types and (Python) message classes come from the schema.
        if (format === detected?.format || format === 'protobuf') continue;
        if (format !== 'json' && format !== 'text' && !hasRegistry) continue;
        items.push({ label: FORMAT_LABELS[format], format });
      }
      const choice = await pick('valueFormat', items, {
        placeHolder: note ? `The value format (${note})` : 'The value format',
      });
      return choice?.format;
    },
    async commitPolicy() {
      const choice = await pick(
        'commitPolicy',
        [
          {
            label: `Batch: ${defaultBatchPolicy.maxMessages} messages or ${defaultBatchPolicy.maxIntervalMs / 1000} s`,
            description: 'the reference guide\u2019s',
            policy: defaultBatchPolicy as CommitPolicy,
          },
          {
            label: 'Per message',
            description: 'commit synchronously after each message',
            policy: { kind: 'perMessage' } as CommitPolicy,
          },
          { label: 'Batch: choose N and T\u2026', policy: undefined },
        ],
        { placeHolder: 'When to commit' },
      );
      if (!choice) return undefined;
      if (choice.policy) return choice.policy;
      trace('commitPolicyCustom');
      return askCommitPolicy(title);
    },
    async delivery() {
      const choice = await pick(
        'delivery',
        [
          {
            label: 'At-least-once',
            description: 'commit the input after the handler; a crash repeats what was not committed',
            delivery: 'at-least-once' as const,
          },
          {
            label: 'Exactly-once, with an output topic',
            description: 'the handler returns records; they commit with the input offsets in one Kafka transaction',
            delivery: 'exactly-once' as const,
          },
        ],
        { placeHolder: 'The delivery guarantee' },
      );
      return choice?.delivery;
    },
    outputTopic(suggested, topics) {
      return input('outputTopic', {
        prompt: 'The output topic the handler\u2019s records go to (read it read_committed)',
        value: suggested,
        validateInput: (v) =>
          !TOPIC.test(v.trim())
            ? 'A topic name: letters, digits, ".", "_", "-"'
            : topics.includes(v.trim())
              ? 'Not one of the topics consumed'
              : undefined,
      });
    },
    async concurrency() {
      const value = await input('concurrency', {
        prompt: 'Messages handled at once (the commit watermark never passes one that has not finished)',
        value: '1',
        validateInput: (v) =>
          /^\d+$/.test(v.trim()) && Number(v) >= 1 && Number(v) <= MAX_GENERATED_CONCURRENCY
            ? undefined
            : `A whole number from 1 to ${MAX_GENERATED_CONCURRENCY}`,
      });
      return value === undefined ? undefined : Number(value);
    },
    dlqTopic(suggested, topics) {
      return input('dlqTopic', {
        prompt: 'The dead-letter topic (Kafka Consumer Lab\u2019s envelope)',
        value: suggested,
        validateInput: (v) =>
          !TOPIC.test(v.trim())
            ? 'A topic name: letters, digits, ".", "_", "-"'
            : topics.includes(v.trim())
              ? 'Not one of the topics consumed'
              : undefined,
      });
    },
    async folder(projectName) {
      const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const items: Array<vscode.QuickPickItem & { folder?: string }> = [];
      if (workspace)
        items.push({
          label: path.join(workspace, projectName),
          description: 'a new folder in the workspace',
          folder: path.join(workspace, projectName),
        });
      items.push({ label: 'Choose a folder\u2026' });
      const choice = await pick('folder', items, { placeHolder: 'Where to write the project' });
      if (!choice) return undefined;
      if (choice.folder) return choice.folder;
      const uris = await vscode.window.showOpenDialog({
        title,
        canSelectFolders: true,
        canSelectFiles: false,
        canSelectMany: false,
        openLabel: 'Generate Here',
      });
      return uris?.[0]?.fsPath;
    },
    async overwrite(folder, existing) {
      const shown = vscode.window.showWarningMessage(
        `${existing.length} of the project's files already exist in ${folder} (${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', …' : ''}).`,
        { modal: true },
        'Overwrite',
      );
      trace('overwrite');
      return (await shown) === 'Overwrite';
    },
  };
}
