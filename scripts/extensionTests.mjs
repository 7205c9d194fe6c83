// `npm run test:extension`: runs the compiled suites in test/extension inside code-server 4.100.3
// (VS Code 1.100.3) driven by Debian Chromium, and saves a screenshot of the workbench.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.join(root, '.lab', 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

const result = spawnSync(
  process.execPath,
  [
    path.join(root, 'scripts', 'runExtensionTests.mjs'),
    '--extension', root,
    '--tests', path.join(root, 'out', 'test', 'extension', 'index.js'),
    '--workspace', path.join(root, 'test', 'fixtures', 'workspace'),
    '--screenshot', path.join(artifacts, 'workbench.png'),
    '--timeout-ms', String(5 * 60_000),
  ],
  { stdio: 'inherit', env: process.env },
);
process.exit(result.status ?? 1);
