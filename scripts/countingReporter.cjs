// A mocha reporter: the usual spec output, plus the layer's counts appended as one JSON line to the
// file named by KAFKA_LAB_RESULTS (scripts/test.sh sums them into the closing "N passed, N failed").
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const file = process.env.KAFKA_LAB_RESULTS;
    const layer = process.env.KAFKA_LAB_LAYER || 'unknown';
    // The failing tests' titles and first error lines travel with the counts, so the closing summary
    // names them even when only the tail of a long log is kept (as CI does).
    const failures = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err) => {
      const message = String((err && err.message) || err)
        .split('\n')[0]
        .slice(0, 300);
      failures.push(`${test.fullTitle()}: ${message}`);
    });
    // Wall time per test file (its hooks included), so a layer that grows says where its time went.
    const fileStarted = new Map();
    const fileSeconds = new Map();
    runner.on(Mocha.Runner.constants.EVENT_SUITE_BEGIN, (suite) => {
      if (suite.file && suite.parent && suite.parent.root) fileStarted.set(suite, Date.now());
    });
    runner.on(Mocha.Runner.constants.EVENT_SUITE_END, (suite) => {
      const started = fileStarted.get(suite);
      if (started === undefined) return;
      const name = require('node:path').relative(process.cwd(), suite.file);
      fileSeconds.set(name, (fileSeconds.get(name) || 0) + (Date.now() - started) / 1000);
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const slowest = [...fileSeconds].sort((a, b) => b[1] - a[1]).slice(0, 12);
      if (slowest.length > 1) {
        console.log(`\n  slowest files of the ${layer} layer:`);
        for (const [name, seconds] of slowest) console.log(`    ${seconds.toFixed(1).padStart(7)} s  ${name}`);
      }
      if (!file) return;
      const { passes, failures: failed, pending } = runner.stats;
      const line = { layer, passed: passes, failed, skipped: pending, failures: failures.slice(0, 20) };
      fs.appendFileSync(file, JSON.stringify(line) + '\n');
    });
  }
}

module.exports = CountingReporter;
