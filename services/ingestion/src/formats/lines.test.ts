import { Readable } from 'node:stream';
import { parse as csvParse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, linesOfText, readLines, splitCsvLine, type SourceLine } from './lines.js';

async function collect(input: AsyncIterable<SourceLine>): Promise<SourceLine[]> {
  const out: SourceLine[] = [];
  for await (const line of input) out.push(line);
  return out;
}

describe('line framing', () => {
  const text = '\uFEFFa,b\r\n\r\nc,"d"\nlast';
  const expected = [
    { row: 1, text: 'a,b' },
    { row: 2, text: '' },
    { row: 3, text: 'c,"d"' },
    { row: 4, text: 'last' },
  ];

  it('numbers lines from 1, drops CR and the BOM, keeps a last line without newline', async () => {
    expect([...linesOfText(text)]).toEqual(expected);
    expect(await collect(readLines(Readable.from([...Buffer.from(text)].map((b) => Buffer.from([b])))))).toEqual(expected);
  });

  it('cuts a line longer than the limit and goes on with the next one', async () => {
    const long = 'x'.repeat(MAX_LINE_CHARS + 5);
    const chunks = [long.slice(0, 700_000), long.slice(700_000), '\nnext\n'];
    const lines = await collect(readLines(Readable.from(chunks)));
    expect(lines.map((l) => [l.row, l.tooLong ?? false, l.text.length])).toEqual([
      [1, true, 512],
      [2, false, 4],
    ]);
  });
});

describe('splitCsvLine', () => {
  it('reads quoted fields with doubled quotes and empty fields', () => {
    expect(splitCsvLine('"1001","""Alice"" <1001>",,66,""')).toEqual({ ok: true, fields: ['1001', '"Alice" <1001>', '', '66', ''] });
    expect(splitCsvLine('a;"b;c"', ';')).toEqual({ ok: true, fields: ['a', 'b;c'] });
  });
  it.each([
    ['"1001","unclosed', 'field 2: the quote is never closed'],
    ['"1001"x,"2"', 'field 1: "x" after the closing quote'],
    ['1001,ab"c,3', 'field 2: a quote inside an unquoted field'],
    ['"a", "b"', 'field 2: a quote inside an unquoted field'],
  ])('refuses %s: %s', (line, message) => {
    expect(splitCsvLine(line)).toEqual({ ok: false, message });
  });

  it('agrees with csv-parse on well-formed lines', () => {
    const lines = [
      '"1001","1001","393471234567","from-internal","""Alice"" <1001>","SIP/1001-00000001","","Dial","SIP/trunk/393471234567,60","2026-10-05 10:00:00",,"2026-10-05 10:01:06",66,61,"ANSWERED","DOCUMENTATION","1791111111.1",""',
      'a,b,c',
      ',,',
      '""',
      '"",""',
      '"a,b","c""d""e",f',
      '"""",x',
      'trailing,',
      'Zoë,"naïve ""quote""",€',
    ];
    for (const line of lines) {
      const reference = (csvParse(line, { relax_column_count: true }) as string[][])[0];
      expect(splitCsvLine(line), line).toEqual({ ok: true, fields: reference });
    }
  });

  it('refuses what csv-parse refuses', () => {
    for (const line of ['"1001","unclosed', '"1001"x,"2"', '1001,ab"c,3']) {
      expect(() => csvParse(line), line).toThrow();
      expect(splitCsvLine(line).ok, line).toBe(false);
    }
  });
});
