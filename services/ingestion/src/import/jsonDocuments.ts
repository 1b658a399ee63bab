import type { SourceLine } from '../formats/index.js';

/** A FreeSWITCH CDR is a few tens of kB; a "document" far larger is not one and is cut. */
const MAX_DOCUMENT_CHARS = 16 << 20;

/**
 * Splits a file of JSON objects into one text per object, whatever the layout: one pretty-printed CDR (as in
 * a log-dir `.cdr.json` file), one unformatted CDR per line (as mod_json_cdr writes them), or several in a row.
 * Brackets are counted outside strings only. Text that does not start an object is handed on as it is, so
 * the parser refuses it with its reason instead of it vanishing.
 */
export async function* jsonDocuments(lines: AsyncIterable<SourceLine>): AsyncGenerator<{ row: number; text: string }> {
  let parts: string[] = [];
  let size = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let startRow = 0;
  const take = () => {
    const text = parts.join('\n');
    parts = [];
    size = 0;
    return { row: startRow, text };
  };
  for await (const { row, text } of lines) {
    let segmentStart = depth > 0 ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (depth === 0) {
        if (c === 0x20 || c === 0x09 || c === 0x0d) continue;
        if (c !== 0x7b /* { */) {
          startRow = row;
          parts.push(text.slice(i));
          yield take();
          break;
        }
        startRow = row;
        segmentStart = i;
        depth = 1;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c /* \ */) escaped = true;
        else if (c === 0x22 /* " */) inString = false;
      } else if (c === 0x22) {
        inString = true;
      } else if (c === 0x7b || c === 0x5b) {
        depth++;
      } else if (c === 0x7d || c === 0x5d) {
        depth--;
        if (depth === 0) {
          parts.push(text.slice(segmentStart, i + 1));
          yield take();
          segmentStart = -1;
        }
      }
    }
    if (depth > 0 && segmentStart >= 0) {
      const rest = text.slice(segmentStart);
      parts.push(rest);
      size += rest.length + 1;
      if (size > MAX_DOCUMENT_CHARS) {
        yield take(); // unparseable as it stands: refused as invalid JSON, the rest of the file goes on
        depth = 0;
        inString = false;
        escaped = false;
      }
    }
  }
  if (depth > 0) yield take(); // a document cut short by the end of the file
}
