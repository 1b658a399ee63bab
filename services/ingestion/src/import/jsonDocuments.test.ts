import { describe, expect, it } from 'vitest';
import { linesOfText } from '../formats/index.js';
import { jsonDocuments } from './jsonDocuments.js';

async function documents(text: string) {
  const out: { row: number; text: string }[] = [];
  async function* lines() {
    yield* linesOfText(text);
  }
  for await (const doc of jsonDocuments(lines())) out.push(doc);
  return out;
}

describe('jsonDocuments', () => {
  it('one pretty-printed document over many lines', async () => {
    const docs = await documents('{\n  "a": {\n    "b": [1, 2]\n  }\n}\n');
    expect(docs).toHaveLength(1);
    expect(JSON.parse(docs[0]?.text ?? '')).toEqual({ a: { b: [1, 2] } });
  });

  it('one document per line, and two on one line, with braces and escaped quotes inside strings', async () => {
    const docs = await documents('{"x":"}{\\"]"}\n{"y":1}{"z":2}\n');
    expect(docs.map((d) => [d.row, JSON.parse(d.text)])).toEqual([
      [1, { x: '}{"]' }],
      [2, { y: 1 }],
      [2, { z: 2 }],
    ]);
  });

  it('hands on text that is not an object, and a document cut short by the end of the file', async () => {
    const docs = await documents('garbage here\n{"ok":true}\n{"cut": [1,\n');
    expect(docs).toEqual([
      { row: 1, text: 'garbage here' },
      { row: 2, text: '{"ok":true}' },
      { row: 3, text: '{"cut": [1,' },
    ]);
  });
});
