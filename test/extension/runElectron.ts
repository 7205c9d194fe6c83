// `npm run test:electron`: the same suites in a desktop VS Code downloaded by @vscode/test-electron.
// Needs internet (the download); on the offline test machines `npm run test:extension` runs them in
// code-server instead.
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..');
  try {
    await runTests({
      version: process.env.KAFKA_LAB_VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: path.join(__dirname, 'index.js'),
      launchArgs: [
        path.join(root, 'test', 'fixtures', 'workspace'),
        '--disable-extensions',
        '--disable-workspace-trust',
      ],
    });
  } catch (error) {
    console.error(
      `Extension tests failed or VS Code could not be started: ${error instanceof Error ? error.message : String(error)}`,
    );
    process.exit(1);
  }
}

void main();
