// Entry point for the packaged-extension suite: the .vsix built by `npm run package` is installed
// into code-server, and this checks that the installed copy (not the source folder) activates and
// loads the native Kafka client it carries.
import * as path from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const reporter = path.resolve(__dirname, '../../../../scripts/countingReporter.cjs');
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter });
  mocha.addFile(path.join(__dirname, 'installed.test.js'));
  const failures = await new Promise<number>((resolve) => mocha.run(resolve));
  if (failures > 0) throw new Error(`${failures} packaged-extension test(s) failed`);
}
