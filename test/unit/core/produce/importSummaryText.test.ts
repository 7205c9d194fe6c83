import { strict as assert } from 'node:assert';
import type { ImportSummary, RecordFailure } from '../../../../src/core/produce/fileImport';
import { describeImport, rangesText } from '../../../../src/core/produce/importSummaryText';

const failure = (index: number, reason: string, message: string): RecordFailure => ({
  index,
  line: index + 1,
  column: 1,
  stage: 'deliver',
  reason,
  message,
});

const summary = (over: Partial<ImportSummary>): ImportSummary => ({
  outcome: 'complete',
  dryRun: false,
  read: 0,
  sent: 0,
  sentRanges: [],
  failed: 0,
  failures: [],
  notAttemptedRanges: [],
  partitions: [],
  ...over,
});

describe('the import summary in words', () => {
  it('every record refused for one reason: 0 sent, how many not, the first with its position and reason', () => {
    const denied = 'The broker refused the write (TOPIC_AUTHORIZATION_FAILED): … Nothing was written.';
    const text = describeImport(
      summary({
        outcome: 'completeWithErrors',
        read: 3,
        failed: 3,
        failures: [0, 1, 2].map((i) => failure(i, 'notAuthorized', denied)),
      }),
      'orders',
    );
    assert.equal(
      text,
      `0 of 3 records sent to orders. 3 not sent. Record 1 (line 1, column 1): ${denied} All for this reason.`,
    );
  });

  it('mixed reasons, a truncated list, records sent in ranges and records not attempted', () => {
    const text = describeImport(
      summary({
        outcome: 'stopped',
        read: 10,
        sent: 6,
        sentRanges: [
          [0, 2],
          [4, 6],
        ],
        failed: 3,
        failures: [failure(3, 'invalidJson', 'Unexpected token.'), failure(7, 'notAuthorized', 'Refused.')],
        notAttemptedRanges: [[8, 9]],
      }),
      'orders',
    );
    assert.equal(
      text,
      '6 of 10 records sent to orders (records 1–3, 5–7). 3 not sent (the first 2 are in the log). ' +
        'Record 4 (line 4, column 1): Unexpected token. 1 of the listed for this reason; the others are in the log. ' +
        'Not attempted: records 9–10. Stopped at the first bad record, as chosen; nothing after it was read.',
    );
  });

  it('a dry run says ready, and ranges stop at 20', () => {
    assert.match(
      describeImport(summary({ dryRun: true, read: 1, sent: 1, sentRanges: [[0, 0]] }), 't'),
      /^1 of 1 records ready to send to t \(records 1\)\.$/,
    );
    const many = Array.from({ length: 25 }, (_, i) => [i * 2, i * 2] as const);
    assert.match(rangesText(many), /, and 5 more ranges$/);
  });
});
