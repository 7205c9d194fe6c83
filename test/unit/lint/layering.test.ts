import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The layering rules of .dependency-cruiser.cjs, run the way `npm run lint` runs them, on a small
// tree that breaks each rule once (next to legal imports that must not be reported) and on the
// real src/.

const repoRoot = path.resolve(__dirname, '../../../..');
const config = path.join(repoRoot, '.dependency-cruiser.cjs');
const depcruise = path.join(repoRoot, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const RUN_TIMEOUT_MS = 30_000;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cruise(cwd: string, outputType: 'json' | 'err-long'): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [depcruise, 'src', '--config', config, '--output-type', outputType],
      { cwd, timeout: RUN_TIMEOUT_MS, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(
            new Error(
              `depcruise did not finish within ${RUN_TIMEOUT_MS} ms (or could not start): ${error.message}\n${stderr}`,
            ),
          );
          return;
        }
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Each file of the fixture tree and what it imports. Comments say which rule a line breaks. */
const fixture: Readonly<Record<string, string>> = {
  'src/core/errors.ts': `export class LabError extends Error {}`,
  'src/core/logging.ts': `export const silent = (): void => undefined;`,
  'src/core/kafka/record.ts': `import { LabError } from '../errors';\nexport interface KafkaRecord { readonly topic: string }\nexport const failure = new LabError('x');`,
  // core-kafka-layer: kafka is the bottom of the core.
  'src/core/kafka/consumer.ts': `import type { SessionState } from '../session/state';\nexport type Seen = SessionState;`,
  // core-imports-outside-core, and with platform/logger.ts a cycle src/core <-> src/platform.
  'src/core/kafka/admin.ts': `import { log } from '../../platform/logger';\nexport const admin = log;`,
  'src/core/session/state.ts': `export type SessionState = 'running';`,
  'src/core/engine/member.ts': `import type { KafkaRecord } from '../kafka/record';\nexport type Member = KafkaRecord;`,
  'src/core/codec/codecErrors.ts': `export type CodecFailure = 'corrupt';`,
  'src/core/codec/decoder.ts': `import { client } from '../registry/client';\nexport const decoder = client;`,
  // core-registry-layer, and a folder cycle codec <-> registry made of a type-only import, with no
  // cycle between modules (the shape of the cycle issue 9 removed).
  'src/core/registry/client.ts': `import type { CodecFailure } from '../codec/codecErrors';\nexport const client = (f: CodecFailure): CodecFailure => f;`,
  // core-folder-undeclared: metrics/ is not in CORE_LAYERS (imports inside the folder are fine).
  'src/core/metrics/counter.ts': `import type { Member } from '../engine/member';\nimport { rate } from './rate';\nexport type Counted = Member;\nexport const r = rate;`,
  'src/core/metrics/rate.ts': `export const rate = 1;`,
  'src/platform/logger.ts': `import { silent } from '../core/logging';\nexport const log = silent;`,
  // platform-layer, and a cycle src/views <-> src/platform.
  'src/platform/settings.ts': `import { tree } from '../views/tree';\nexport const settings = tree;`,
  'src/views/tree.ts': `import { log } from '../platform/logger';\nexport const tree = log;`,
  // composition-root-imported, and commands-layer (container.ts is in no layer's list).
  'src/commands/table.ts': `import { tree } from '../views/tree';\nimport { Container } from '../container';\nexport const table = [tree, Container];`,
  // host-imports-browser.
  'src/commands/preview.ts': `import { el } from '../webviews/panel/view/dom';\nexport const preview = el;`,
  'src/webviews/panel/protocol.ts': `import type { KafkaRecord } from '../../core/kafka/record';\nexport type Shown = KafkaRecord;`,
  'src/webviews/panel/main.ts': `import type { Shown } from './protocol';\nimport { el } from './view/dom';\nexport const main = (s: Shown): unknown => el(s.topic);`,
  // A panel's view/ folder imports its protocol one folder up: not a folder cycle.
  'src/webviews/panel/view/dom.ts': `import type { Shown } from '../protocol';\nexport const el = (text: string): Shown => ({ topic: text });`,
  // browser-reaches-host: panelHost.ts uses Node.
  'src/webviews/panel/view/bad.ts': `import { host } from '../panelHost';\nexport const bad = host;`,
  // browser-imports-host: the VS Code layer (which reaches no vscode in this fixture).
  'src/webviews/panel/view/logs.ts': `import { log } from '../../../platform/logger';\nexport const logs = log;`,
  'src/webviews/panel/panelHost.ts': `import { randomBytes } from 'node:crypto';\nimport type { Shown } from './protocol';\nimport { log } from '../../platform/logger';\nexport const host = (s: Shown): unknown => log(s, randomBytes(1));`,
  // Code shared by both sides that is free of the host: legal for the browser.
  'src/webviews/shared/rpc.ts': `export const rpc = (): number => 1;`,
  'src/webviews/shared/view/api.ts': `import { rpc } from '../rpc';\nexport const api = rpc;`,
  // browser-reaches-host through a type-only import in a protocol file.
  'src/webviews/other/protocol.ts': `import type { Webview } from 'vscode';\nexport type Hosted = Webview;`,
  'src/container.ts': `import { table } from './commands/table';\nexport class Container { readonly table = table; }`,
  'src/extension.ts': `import { Container } from './container';\nexport const activate = (): Container => new Container();`,
};

/** What the fixture must produce, exactly: rule, from, to (folders for cycles). */
const expected = [
  'commands-layer src/commands/table.ts -> src/container.ts',
  'composition-root-imported src/commands/table.ts -> src/container.ts',
  'browser-imports-host src/webviews/panel/view/logs.ts -> src/platform/logger.ts',
  'browser-reaches-host src/webviews/other/protocol.ts -> vscode',
  'browser-reaches-host src/webviews/panel/view/bad.ts -> crypto',
  'core-folder-undeclared src/core/metrics/counter.ts -> src/core/engine/member.ts',
  'core-imports-outside-core src/core/kafka/admin.ts -> src/platform/logger.ts',
  'core-kafka-layer src/core/kafka/consumer.ts -> src/core/session/state.ts',
  'core-registry-layer src/core/registry/client.ts -> src/core/codec/codecErrors.ts',
  'host-imports-browser src/commands/preview.ts -> src/webviews/panel/view/dom.ts',
  'no-folder-cycles src/core -> src/platform',
  'no-folder-cycles src/core/codec -> src/core/registry',
  'no-folder-cycles src/core/registry -> src/core/codec',
  'no-folder-cycles src/platform -> src/core',
  'no-folder-cycles src/platform -> src/views',
  'no-folder-cycles src/views -> src/platform',
  'platform-layer src/platform/settings.ts -> src/views/tree.ts',
];

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string; readonly severity: string };
  readonly cycle?: readonly { readonly name: string }[];
}

describe('layering rules (.dependency-cruiser.cjs)', function () {
  this.timeout(2 * RUN_TIMEOUT_MS);
  let tree: string;
  let runs: { fixtureJson: Run; fixtureErr: Run; real: Run };

  before(async () => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lab-layering-'));
    for (const [file, text] of Object.entries(fixture)) {
      fs.mkdirSync(path.join(tree, path.dirname(file)), { recursive: true });
      fs.writeFileSync(path.join(tree, file), `${text}\n`);
    }
    const [fixtureJson, fixtureErr, real] = await Promise.all([
      cruise(tree, 'json'),
      cruise(tree, 'err-long'),
      cruise(repoRoot, 'err-long'),
    ]);
    runs = { fixtureJson, fixtureErr, real };
  });

  after(() => {
    if (tree) fs.rmSync(tree, { recursive: true, force: true });
  });

  it('reports each broken rule in the fixture, and nothing for its legal imports', () => {
    const result = JSON.parse(runs.fixtureJson.stdout) as {
      modules: { source: string }[];
      summary: { violations: Violation[] };
    };
    const cruised = result.modules.filter((m) => m.source.startsWith('src/')).map((m) => m.source);
    assert.deepEqual(cruised.sort(), Object.keys(fixture).sort(), 'every fixture file is cruised');
    const found = result.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${v.to}`).sort();
    assert.deepEqual(found, [...expected].sort());
    assert.ok(result.summary.violations.every((v) => v.rule.severity === 'error'));
  });

  it('names the folders of a cycle', () => {
    const result = JSON.parse(runs.fixtureJson.stdout) as { summary: { violations: Violation[] } };
    const cycle = result.summary.violations.find(
      (v) => v.rule.name === 'no-folder-cycles' && v.from === 'src/core/codec',
    );
    assert.deepEqual(
      cycle?.cycle?.map((step) => step.name),
      ['src/core/registry', 'src/core/codec'],
    );
  });

  it('fails the lint command on the fixture, with the cycle in its output', () => {
    assert.notEqual(runs.fixtureErr.code, 0, 'depcruise exits non-zero when a rule is broken');
    assert.match(
      runs.fixtureErr.stdout,
      /error no-folder-cycles: src\/core\/codec →\s+src\/core\/registry →\s+src\/core\/codec/,
    );
    assert.match(
      runs.fixtureErr.stdout,
      /error core-registry-layer: src\/core\/registry\/client\.ts → src\/core\/codec\/codecErrors\.ts/,
    );
  });

  it('passes on the real src/', () => {
    assert.equal(runs.real.code, 0, `src/ breaks the layering:\n${runs.real.stdout}${runs.real.stderr}`);
    assert.match(runs.real.stdout, /no dependency violations found \((\d+) modules/);
  });
});
