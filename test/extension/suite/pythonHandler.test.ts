import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from '../../support/services';

const repoRoot = path.resolve(__dirname, '..', '..', '..', '..');

interface Stopped {
  readonly session: vscode.DebugSession;
  readonly reason: string;
  readonly threadId: number;
}

/** The debugpy venv that scripts/debugpy.sh installs (set-up runs it). */
function debugpyPython(which: 'python' | 'python-without'): string {
  return execFileSync('bash', [path.join(repoRoot, 'scripts', 'debugpy.sh'), which], { encoding: 'utf8' }).trim();
}

describe('Python handlers under debugpy (the adapter this extension provides)', function () {
  this.timeout(240_000);
  const stops: Stopped[] = [];
  const disposables: vscode.Disposable[] = [];

  before(async () => {
    await vscode.extensions.getExtension('kafka-consumer-lab.kafka-consumer-lab')!.activate();
    disposables.push(
      vscode.debug.registerDebugAdapterTrackerFactory('*', {
        createDebugAdapterTracker: (session) => ({
          onDidSendMessage: (message: {
            type?: string;
            event?: string;
            body?: { reason?: string; threadId?: number };
          }) => {
            if (message.type === 'event' && message.event === 'stopped')
              stops.push({ session, reason: message.body?.reason ?? '', threadId: message.body?.threadId ?? 0 });
          },
        }),
      }),
    );
  });

  after(() => {
    vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
    for (const d of disposables) d.dispose();
  });

  it('debugpy.adapter started by the extension hits a SourceBreakpoint in a .py file, evaluates, and continues to the end', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-py-'));
    const file = path.join(dir, 'probe.py');
    fs.writeFileSync(file, 'value = {"orderId": "o-1"}\ntotal = 41 + 1\nprint("done", total)\n');
    try {
      const uri = vscode.Uri.file(file);
      vscode.debug.addBreakpoints([new vscode.SourceBreakpoint(new vscode.Location(uri, new vscode.Position(1, 0)))]);
      let ended = false;
      disposables.push(
        vscode.debug.onDidTerminateDebugSession((s) => {
          if (s.configuration.program === file) ended = true;
        }),
      );
      assert.ok(
        await vscode.debug.startDebugging(undefined, {
          type: 'kafka-lab-debugpy',
          request: 'launch',
          name: 'probe',
          program: file,
          python: debugpyPython('python'),
          cwd: dir,
          console: 'internalConsole',
          justMyCode: true,
        }),
        'the debug session started',
      );
      const stop = await waitFor('the breakpoint in probe.py', 60_000, () =>
        stops.find((s) => s.reason === 'breakpoint' && s.session.configuration.program === file),
      );
      const trace = (await stop.session.customRequest('stackTrace', { threadId: stop.threadId })) as {
        stackFrames: Array<{ id: number; line: number; source?: { path?: string } }>;
      };
      const top = trace.stackFrames[0];
      // In code-server the path comes back as the remote URI of the file (vscode-remote://host/tmp/…).
      assert.ok(top.source?.path?.endsWith(file), JSON.stringify(top));
      assert.equal(top.line, 2);
      const evaluated = (await stop.session.customRequest('evaluate', {
        expression: 'value["orderId"]',
        frameId: top.id,
        context: 'watch',
      })) as { result: string };
      assert.equal(evaluated.result, "'o-1'");
      await stop.session.customRequest('continue', { threadId: stop.threadId });
      await waitFor('the program to end', 30_000, () => (ended ? true : undefined));
    } finally {
      vscode.debug.removeBreakpoints(vscode.debug.breakpoints);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
