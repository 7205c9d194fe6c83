// Export from a message viewer: the format and the file are asked (or given, in tests), then the
// filtered messages are streamed to the file under a cancellable progress notification, with no size
// limit. A failed or cancelled export removes its partial file.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { ExportFormat } from '../core/viewer/types';
import type { MessageViewer } from '../core/viewer/viewerApi';

/** Export from a viewer without dialogs (tests): the format and the file. */
export interface ExportArgs {
  readonly format: ExportFormat;
  readonly path: string;
}

const EXPORT_FORMATS: ReadonlyArray<{ label: string; description: string; format: ExportFormat; ext: string }> = [
  {
    label: 'NDJSON',
    description: 'one JSON message per line (re-importable by the producer)',
    format: 'ndjson',
    ext: 'ndjson',
  },
  { label: 'JSON', description: 'one JSON array', format: 'json', ext: 'json' },
  { label: 'CSV', description: 'one row per message, for spreadsheets', format: 'csv', ext: 'csv' },
];

/** Asks the format and the file (unless `args` gives them), then writes the export; undefined when cancelled. */
export async function exportViewer(viewer: MessageViewer, args?: ExportArgs): Promise<number | undefined> {
  const topic = viewer.options.topic;
  let format: ExportFormat;
  let target: string;
  if (args) {
    format = args.format;
    target = args.path;
  } else {
    const picked = await vscode.window.showQuickPick(EXPORT_FORMATS, {
      title: `Export ${viewer.counts.matched.toLocaleString('en-US')} messages of ${topic}`,
      placeHolder: 'Format',
    });
    if (!picked) return undefined;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
      title: `Export ${topic}`,
      saveLabel: 'Export',
      filters: { [picked.label]: [picked.ext] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, `${topic.replace(/[^\w.-]/g, '_')}.${picked.ext}`) } : {}),
    });
    if (!uri) return undefined;
    format = picked.format;
    target = uri.fsPath;
  }
  return writeExport(viewer, format, target);
}

/** Streams the viewer's filtered messages to `target` under a cancellable progress notification. */
function writeExport(viewer: MessageViewer, format: ExportFormat, target: string): Promise<number | undefined> {
  return Promise.resolve(
    vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Exporting ${viewer.options.topic} as ${format.toUpperCase()}`,
        cancellable: true,
      },
      async (progress, token) => {
        const abort = new AbortController();
        const cancelled = token.onCancellationRequested(() => abort.abort());
        const out = fs.createWriteStream(target, { encoding: 'utf8' });
        let failure: Error | undefined;
        out.on('error', (error) => (failure = error));
        const write = (chunk: string): Promise<void> => {
          if (failure) return Promise.reject(failure);
          if (out.write(chunk)) return Promise.resolve();
          return new Promise((resolve, reject) => {
            const onDrain = () => {
              out.off('error', onError);
              resolve();
            };
            const onError = (error: Error) => {
              out.off('drain', onDrain);
              reject(error);
            };
            out.once('drain', onDrain);
            out.once('error', onError);
          });
        };
        let reported = 0;
        try {
          const written = await viewer.exportTo(format, write, {
            signal: abort.signal,
            onProgress: (done, total) => {
              const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
              if (percent > reported) {
                progress.report({
                  increment: percent - reported,
                  message: `${done.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}`,
                });
                reported = percent;
              }
            },
          });
          await new Promise<void>((resolve, reject) =>
            out.end((error?: Error | null) => (error ? reject(error) : resolve())),
          );
          if (failure) throw failure;
          void vscode.window.showInformationMessage(
            `Exported ${written.toLocaleString('en-US')} messages of ${viewer.options.topic} to ${target}.`,
          );
          return written;
        } catch (error) {
          out.destroy();
          await fs.promises.rm(target, { force: true }).catch(() => undefined);
          if (abort.signal.aborted) {
            void vscode.window.showInformationMessage('Export cancelled; the partial file was removed.');
            return undefined;
          }
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(
            `The export to ${target} failed: ${message}. Nothing was kept; check the folder and the disk space, then export again.`,
          );
        } finally {
          cancelled.dispose();
        }
      },
    ),
  );
}
