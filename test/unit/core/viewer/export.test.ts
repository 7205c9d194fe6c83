import { strict as assert } from 'node:assert';
import { csvCell, csvLine, isoTime } from '../../../../src/core/viewer/exportFormats';

describe('viewer CSV cells', () => {
  it('leaves plain text as it is', () => {
    assert.equal(csvCell('hello world'), 'hello world');
    assert.equal(csvCell(''), '');
    assert.equal(csvCell('12'), '12');
  });

  it('quotes cells with commas, quotes and line breaks, doubling quotes', () => {
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('line\nbreak'), '"line\nbreak"');
    assert.equal(csvCell('cr\rhere'), '"cr\rhere"');
    assert.equal(csvCell('{"a":1}'), '"{""a"":1}"');
  });

  it('makes cells that a spreadsheet would run as formulas inert', () => {
    for (const hostile of ['=1+1', '+SUM(A1)', '-2+3', '@cmd', '\tTAB', '\rCR', '=HYPERLINK("http://x","y")']) {
      const cell = csvCell(hostile);
      assert.ok(cell.startsWith(`"'`), `${JSON.stringify(hostile)} → ${cell}`);
      // Reading the cell back (unquote, undouble) gives the apostrophe and the text unchanged.
      assert.equal(cell.slice(1, -1).replace(/""/g, '"'), `'${hostile}`);
    }
  });

  it('quotes a cell that starts with an apostrophe, so that it reads back unchanged', () => {
    assert.equal(csvCell("'quoted"), `"'quoted"`);
  });

  it('ends lines with CRLF', () => {
    assert.equal(csvLine(['a', 'b,c', '=x']), `a,"b,c","'=x"\r\n`);
  });

  it('writes times in ISO 8601 UTC, and none for a missing one', () => {
    assert.equal(isoTime(0), '1970-01-01T00:00:00.000Z');
    assert.equal(isoTime(undefined), null);
    assert.equal(isoTime(8.64e15 + 1), null);
  });
});
