import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * Bulk inserts through COPY FROM STDIN (text format). For wide rows with JSON columns it costs PostgreSQL
 * less than half of `insert ... select from json_to_recordset($1)` (measured 12.5 against 28 us of backend
 * CPU per rated-event row of 1.2 kB): the values arrive as text per column, not as one JSON document
 * parsed first and each field extracted from it. COPY cannot resolve conflicts, so it serves inserts whose
 * keys the caller knows to be new (checked under a lock, or a unique violation is an error to retry).
 */
export class CopyRows {
  private text = '';
  private count = 0;

  /** Appends one row; its values in the order of the columns given to `copyInto`. */
  row(...values: CopyValue[]): this {
    let line = '';
    for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyValue(values[i]);
    this.text += `${line}\n`;
    this.count++;
    return this;
  }

  get size(): number {
    return this.count;
  }

  /** The rows in COPY text format (one line per row). */
  toString(): string {
    return this.text;
  }
}

export type CopyValue = string | number | boolean | null | undefined;

// One scan finds anything to escape or refuse; the common value (no such character) is returned as it is.
const SPECIAL = /[\\\t\n\r\0]/;
const SPECIALS = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/**
 * One value in COPY's text format: null (and undefined) is `\N`; a backslash, tab, newline or carriage return
 * is escaped, so no value can end its column or row early or read as the end-of-data marker. A JSON text
 * needs only its backslashes doubled (JSON.stringify escapes every control character).
 */
export function copyValue(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v !== 'string') return String(v);
  if (!SPECIAL.test(v)) return v;
  if (v.includes('\0')) throw new Error('a value with a NUL character cannot be stored in PostgreSQL text');
  return v.replace(SPECIALS, (c) => ESCAPES[c]!);
}

/**
 * Copies the rows into `table (columns)` on this client, inside its current transaction if it has one.
 * Resolves with the number of rows PostgreSQL stored; rejects with PostgreSQL's error (the transaction is
 * then aborted, as after any failed statement).
 */
export async function copyInto(client: pg.PoolClient | pg.Client, table: string, columns: readonly string[], rows: CopyRows): Promise<number> {
  if (rows.size === 0) return 0;
  const stream = client.query(copyFrom(`copy ${table} (${columns.join(', ')}) from stdin`));
  await pipeline(Readable.from([Buffer.from(rows.toString(), 'utf8')]), stream);
  return stream.rowCount;
}
