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
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!file) return;
      const { passes, failures, pending } = runner.stats;
      fs.appendFileSync(file, JSON.stringify({ layer, passed: passes, failed: failures, skipped: pending }) + '\n');
    });
  }
}

module.exports = CountingReporter;
