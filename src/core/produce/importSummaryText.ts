import type { ImportSummary, IndexRanges } from './fileImport';

/** Record numbers as the user counts them (from 1), at most 20 ranges. */
export function rangesText(list: IndexRanges): string {
  const shown = list.slice(0, 20).map(([a, b]) => (a === b ? `${a + 1}` : `${a + 1}–${b + 1}`));
  return shown.join(', ') + (list.length > 20 ? `, and ${list.length - 20} more ranges` : '');
}

/**
 * The import summary in words: which records went, how many did not and why (the first failure's
 * reason, and how many share it), what was not attempted. Every listed failure goes to the log too.
 */
export function describeImport(summary: ImportSummary, topic: string): string {
  const verb = summary.dryRun ? 'ready to send' : 'sent';
  const lines = [
    `${summary.sent} of ${summary.read} records ${verb} to ${topic}${summary.sentRanges.length ? ` (records ${rangesText(summary.sentRanges)})` : ''}.`,
  ];
  if (summary.failed) {
    const first = summary.failures[0];
    const listed =
      summary.failures.length < summary.failed ? ` (the first ${summary.failures.length} are in the log)` : '';
    let why = '';
    if (first) {
      const same = summary.failures.filter((f) => f.reason === first.reason).length;
      const others =
        same === summary.failures.length
          ? summary.failed > 1
            ? ' All for this reason.'
            : ''
          : ` ${same} of the listed for this reason; the others are in the log.`;
      why = ` Record ${first.index + 1} (line ${first.line}, column ${first.column}): ${first.message}${others}`;
    }
    lines.push(`${summary.failed} not ${summary.dryRun ? 'ready' : 'sent'}${listed}.${why}`);
  }
  if (summary.notAttemptedRanges.length)
    lines.push(`Not attempted: records ${rangesText(summary.notAttemptedRanges)}.`);
  if (summary.outcome === 'stopped')
    lines.push('Stopped at the first bad record, as chosen; nothing after it was read.');
  if (summary.outcome === 'cancelled') lines.push('Cancelled: the records after the last one read were not sent.');
  if (summary.fileFault)
    lines.push(
      `The file is broken at line ${summary.fileFault.line}, column ${summary.fileFault.column}: ${summary.fileFault.message}`,
    );
  return lines.join(' ');
}
