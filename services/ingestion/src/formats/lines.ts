import { StringDecoder } from 'node:string_decoder';
import type { ParseResult, RowResult, TextInput } from './types.js';

/**
 * One physical line of a text file. CDR files are framed by line, not by CSV quoting: switches write one
 * record per line, and framing by line keeps one broken quote from swallowing the records behind it.
 */
export type SourceLine = {
  /** 1-based line number in the file, so an operator can open the file at the reported row. */
  row: number;
  text: string;
  /** The line was longer than the limit; `text` holds only its beginning. */
  tooLong?: true;
};

/** A CDR line is a few hundred bytes; anything far longer is not a record and must not be buffered whole. */
export const MAX_LINE_CHARS = 1 << 20;
const KEPT_OF_LONG_LINE = 512;

function cleanLine(text: string, row: number): string {
  const noCr = text.endsWith('\r') ? text.slice(0, -1) : text;
  return row === 1 && noCr.charCodeAt(0) === 0xfeff ? noCr.slice(1) : noCr;
}

/** Lines of a text held in memory (LF or CRLF endings, a UTF-8 BOM dropped). */
export function* linesOfText(text: string): Generator<SourceLine> {
  let start = 0;
  let row = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl === -1 ? text.length : nl;
    row++;
    const line = cleanLine(text.slice(start, end), row);
    yield line.length > MAX_LINE_CHARS ? { row, text: line.slice(0, KEPT_OF_LONG_LINE), tooLong: true } : { row, text: line };
    start = end + 1;
  }
}

/**
 * Lines of a stream, read as it is consumed: the source is paused while the caller works, so a file of any
 * size never sits in memory. UTF-8 characters split across chunks are decoded correctly.
 */
export async function* readLines(input: TextInput): AsyncGenerator<SourceLine> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let row = 0;
  let skippingLongLine = false;
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    let start = 0;
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n', start)) {
      const text = pending.slice(start, nl);
      start = nl + 1;
      if (skippingLongLine) {
        skippingLongLine = false;
        continue;
      }
      row++;
      yield { row, text: cleanLine(text, row) };
    }
    pending = pending.slice(start);
    if (!skippingLongLine && pending.length > MAX_LINE_CHARS) {
      row++;
      yield { row, text: cleanLine(pending.slice(0, KEPT_OF_LONG_LINE), row), tooLong: true };
      skippingLongLine = true;
    }
    if (skippingLongLine) pending = '';
  }
  pending += decoder.end();
  if (pending.length > 0 && !skippingLongLine) {
    row++;
    yield { row, text: cleanLine(pending, row) };
  }
}

export type SplitLine = { ok: true; fields: string[] } | { ok: false; message: string };

const QUOTE = 0x22;

/**
 * Splits one CSV line into its fields, RFC 4180 quoting: `"` around a field, `""` for a quote inside it, an
 * unquoted field holds no quote. Strict on purpose: a broken line is refused with what is wrong, never guessed.
 * (Hand-written for one line because csv-parse costs 35-140 us per single-line call, minutes on a 1 GB file;
 * the tests check it agrees with csv-parse.)
 */
export function splitCsvLine(line: string, delimiter = ','): SplitLine {
  const fields: string[] = [];
  const n = line.length;
  const d = delimiter.charCodeAt(0);
  let i = 0;
  for (;;) {
    if (i < n && line.charCodeAt(i) === QUOTE) {
      let value = '';
      let segment = i + 1;
      for (;;) {
        const q = line.indexOf('"', segment);
        if (q === -1) return { ok: false, message: `field ${fields.length + 1}: the quote is never closed` };
        if (line.charCodeAt(q + 1) === QUOTE) {
          value += line.slice(segment, q + 1);
          segment = q + 2;
          continue;
        }
        value += line.slice(segment, q);
        i = q + 1;
        break;
      }
      fields.push(value);
      if (i === n) break;
      if (line.charCodeAt(i) !== d) return { ok: false, message: `field ${fields.length}: ${JSON.stringify(line[i])} after the closing quote` };
      i++;
    } else {
      const next = line.indexOf(delimiter, i);
      const value = line.slice(i, next === -1 ? n : next);
      if (value.includes('"')) return { ok: false, message: `field ${fields.length + 1}: a quote inside an unquoted field` };
      fields.push(value);
      if (next === -1) break;
      i = next + 1;
    }
  }
  return { ok: true, fields };
}

export function isBlank(line: string): boolean {
  return line.trim().length === 0;
}

/** Drops the row numbers of a row stream, for callers that want the bare results. */
export async function* resultsOf(rows: AsyncIterable<RowResult>): AsyncGenerator<ParseResult> {
  for await (const row of rows) yield row.result;
}
