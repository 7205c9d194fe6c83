// Entry point that VS Code loads in the extension host (extensionTestsPath). It runs every suite
// under test/extension/suite with mocha and settles when they are done; a rejection means failure.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const reporter = path.resolve(__dirname, '../../../scripts/countingReporter.cjs');
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter });
  const suiteDir = path.join(__dirname, 'suite');
  // KAFKA_LAB_EXT_SUITES=explorer,sessions runs only the suite files whose names contain one of the words.
  // Slow suites of their own npm script (*.acl.js: a private broker with ACLs) run only when named.
  const only = (process.env.KAFKA_LAB_EXT_SUITES ?? '').split(',').filter(Boolean);
  const named = (f: string): boolean => only.some((w) => f.includes(w));
  for (const file of fs
    .readdirSync(suiteDir)
    .filter((f) => (f.endsWith('.test.js') && (only.length === 0 || named(f))) || (f.endsWith('.acl.js') && named(f)))
    .sort()) {
    mocha.addFile(path.join(suiteDir, file));
  }
  const failures = await new Promise<number>((resolve, reject) => {
    try {
      mocha.run(resolve);
    } catch (error) {
      reject(error);
    }
  });
  if (failures > 0) throw new Error(`${failures} extension test(s) failed`);
}
