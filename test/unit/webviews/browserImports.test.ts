import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ESLint } from 'eslint';

// The lint rule of eslint.config.mjs that keeps webview code browser-only, run through ESLint's own
// API on the real config: the same source is an error in browser code and fine on the host side.

const repoRoot = path.resolve(__dirname, '../../../..');

const FORBIDDEN = [
  "import * as vscode from 'vscode';\nexport const a = vscode;",
  "import type { Uri } from 'vscode';\nexport type A = Uri;",
  "import * as fs from 'node:fs';\nexport const a = fs;",
  "import * as path from 'path';\nexport const a = path;",
  "import { EventEmitter } from 'events';\nexport const a = EventEmitter;",
  "import { WebviewPanelHost } from '../panelHost';\nexport const a = WebviewPanelHost;",
  "import { ClusterStore } from '../../../platform/clusterStore';\nexport const a = ClusterStore;",
];

async function restrictedImports(eslint: ESLint, code: string, file: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, file) });
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').length;
}

describe('browser code imports neither vscode nor Node (eslint.config.mjs)', function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: repoRoot });

  for (const file of [
    'src/webviews/shared/view/probe.ts',
    'src/webviews/sessionPanel/main.ts',
    'src/webviews/sessionPanel/view/probe.ts',
    'src/webviews/sessionPanel/protocol.ts',
    'src/webviews/shared/rpc.ts',
  ]) {
    it(`refuses each forbidden import in ${file}`, async () => {
      for (const code of FORBIDDEN) assert.equal(await restrictedImports(eslint, code, file), 1, `${file}: ${code}`);
    });
  }

  it('allows them in host-side webview code, and allows pure core helpers in browser code', async () => {
    assert.equal(await restrictedImports(eslint, FORBIDDEN[0]!, 'src/webviews/shared/panelHost.ts'), 0);
    assert.equal(await restrictedImports(eslint, FORBIDDEN[2]!, 'src/webviews/sessionPanel/sessionPanel.ts'), 0);
    assert.equal(
      await restrictedImports(
        eslint,
        "import { describeRunUntil } from '../../core/session/runUntil';\nexport const a = describeRunUntil;",
        'src/webviews/sessionPanel/main.ts',
      ),
      0,
    );
  });
});
