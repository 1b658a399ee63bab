import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { asteriskMasterCsvRows, parseAsteriskMasterCsv, parseAsteriskMasterCsvStream } from './asterisk.js';
import type { ParseResult, SwitchRecord } from './types.js';

const fixtureUrl = (name: string) => new URL(`../../test/fixtures/asterisk/${name}`, import.meta.url);
const masterCsv = readFileSync(fixtureUrl('Master.csv'), 'utf8');
const rome = { source: 'pbx-rome', timeZone: 'Europe/Rome' };

function record(result: ParseResult | undefined): SwitchRecord {
  if (!result?.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.record;
}
function reasonsOf(result: ParseResult | undefined) {
  if (!result || result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reasons.map((r) => ({ code: r.code, path: r.path }));
}
async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** One Master.csv line in the standard column order, with fields overridable by name. */
const COLUMNS = ['accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'uniqueid', 'userfield'];
function line(fields: Record<string, string | number> = {}): string {
  const base: Record<string, string | number> = {
    accountcode: '1001',
    src: '1001',
    dst: '393471234567',
    dcontext: 'from-internal',
    clid: '"Alice" <1001>',
    channel: 'SIP/1001-00000001',
    dstchannel: 'SIP/trunk-00000002',
    lastapp: 'Dial',
    lastdata: 'SIP/trunk/393471234567,60',
    start: '2026-10-05 10:00:00',
    answer: '2026-10-05 10:00:05',
    end: '2026-10-05 10:01:06',
    duration: 66,
    billsec: 61,
    disposition: 'ANSWERED',
    amaflags: 'DOCUMENTATION',
    uniqueid: '1791111111.1',
    userfield: '',
    ...fields,
  };
  return COLUMNS.map((c) => {
    const v = base[c] ?? '';
    return typeof v === 'number' ? String(v) : `"${v.replace(/"/g, '""')}"`;
  }).join(',');
}

describe('parseAsteriskMasterCsv: the real Master.csv sample', () => {
  const results = parseAsteriskMasterCsv(masterCsv, rome);

  it('gives one result per line, all accepted', () => {
    expect(results).toHaveLength(4);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('row 1: answered 61 s, local times in Europe/Rome written with +02:00 in October', () => {
    expect(record(results[0])).toEqual({
      source: 'pbx-rome',
      recordId: '1791111111.1',
      accountCode: '1001',
      service: 'voice',
      direction: 'outbound',
      callingNumber: '1001',
      calledNumber: '393471234567',
      startTime: '2026-10-05T10:00:00+02:00',
      answerTime: '2026-10-05T10:00:05+02:00',
      endTime: '2026-10-05T10:01:06+02:00',
      billableUnits: 61,
      disposition: 'answered',
      format: 'asterisk_csv',
    });
  });

  it('row 2: NO ANSWER, no answer time, 0 billable seconds', () => {
    expect(record(results[1])).toMatchObject({ recordId: '1791111111.3', disposition: 'no_answer', answerTime: null, billableUnits: 0, calledNumber: '390612345678' });
  });

  it('row 3: answered 720 s to the UK', () => {
    expect(record(results[2])).toMatchObject({
      recordId: '1791111111.5',
      accountCode: '1002',
      calledNumber: '442071234567',
      startTime: '2026-10-06T19:30:00+02:00',
      answerTime: '2026-10-06T19:30:03+02:00',
      endTime: '2026-10-06T19:42:03+02:00',
      billableUnits: 720,
      disposition: 'answered',
    });
  });

  it('row 4: BUSY', () => {
    expect(record(results[3])).toMatchObject({ recordId: '1791111111.7', disposition: 'busy', answerTime: null, billableUnits: 0 });
  });

  it('reads times as UTC for a switch with usegmtime=yes', () => {
    expect(record(parseAsteriskMasterCsv(masterCsv, { source: 'pbx', timeZone: 'UTC' })[0]).startTime).toBe('2026-10-05T10:00:00Z');
  });

  it('marks calls of the configured inbound contexts as inbound', () => {
    const inbound = parseAsteriskMasterCsv(masterCsv, { ...rome, inboundContexts: ['from-internal'] });
    expect(inbound.map((r) => record(r).direction)).toEqual(['inbound', 'inbound', 'inbound', 'inbound']);
  });

  it('tolerates CRLF line endings, a UTF-8 BOM, blank lines and the optional columns', () => {
    const withNewColumns = `${line({ uniqueid: 'u-21' })},"peer","1791111111.1",7`;
    const withoutUserfield = line({ uniqueid: 'u-17' }).replace(/,""$/, '');
    const text = `\uFEFF${line({ uniqueid: 'u-18' })}\r\n\r\n${withNewColumns}\r\n${withoutUserfield}\r\n`;
    const results = parseAsteriskMasterCsv(text, rome);
    expect(results.map((r) => record(r).recordId)).toEqual(['u-18', 'u-21', 'u-17']);
  });

  it('throws for a wrong time zone or a missing source before reading anything', () => {
    expect(() => parseAsteriskMasterCsv(masterCsv, { source: 'pbx', timeZone: 'Europe/Roma' })).toThrow(RangeError);
    expect(() => parseAsteriskMasterCsv(masterCsv, { source: ' ', timeZone: 'UTC' })).toThrow(TypeError);
  });
});

describe('parseAsteriskMasterCsv: a bad row is refused with its row number, the others still parse', () => {
  it.each([
    ['an unclosed quote', '"1001","1001","3934712,"from-internal"', 'malformed_csv_row', 'row 2'],
    ['too few columns', '"1001","1001","393471234567","from-internal"', 'wrong_column_count', 'row 2'],
    ['too many columns', `${line()},"a","b","c","d"`, 'wrong_column_count', 'row 2'],
    ['no uniqueid', line({ uniqueid: '' }), 'missing_field', 'row 2 column uniqueid'],
    ['an anonymous caller', line({ src: 'anonymous' }), 'invalid_number', 'row 2 column src'],
    ['a dialplan extension as destination', line({ dst: 's' }), 'invalid_number', 'row 2 column dst'],
    ['an empty destination', line({ dst: '' }), 'missing_field', 'row 2 column dst'],
    ['a month 13', line({ start: '2026-13-05 10:00:00' }), 'invalid_timestamp', 'row 2 column start'],
    ['a time in another shape', line({ end: '05/10/2026 10:01:06' }), 'invalid_timestamp', 'row 2 column end'],
    ['no start time', line({ start: '' }), 'missing_field', 'row 2 column start'],
    ['a negative billsec', line({ billsec: -61 }), 'negative_duration', 'row 2 column billsec'],
    ['a fractional duration', line({ duration: '66.5' }), 'invalid_duration', 'row 2 column duration'],
    ['billsec longer than duration', line({ billsec: 70 }), 'billsec_exceeds_duration', 'row 2 column billsec'],
    ['end before start', line({ end: '2026-10-05 09:59:00' }), 'end_before_start', 'row 2 column end'],
    ['answer before start', line({ answer: '2026-10-05 09:59:00' }), 'answer_before_start', 'row 2 column answer'],
    ['answer after end', line({ answer: '2026-10-05 10:02:00' }), 'answer_after_end', 'row 2 column answer'],
    ['an unknown disposition', line({ disposition: 'MAYBE' }), 'unknown_disposition', 'row 2 column disposition'],
    ['ANSWERED without an answer time', line({ answer: '' }), 'inconsistent_answer', 'row 2 column answer'],
    ['NO ANSWER with billable seconds', line({ answer: '', disposition: 'NO ANSWER' }), 'inconsistent_answer', 'row 2 column billsec'],
  ])('%s', (_name, bad, code, path) => {
    const results = parseAsteriskMasterCsv([line({ uniqueid: 'before' }), bad, line({ uniqueid: 'after' })].join('\n'), rome);
    expect(results).toHaveLength(3);
    expect(record(results[0]).recordId).toBe('before');
    expect(reasonsOf(results[1])).toEqual([{ code, path }]);
    expect(results[1]).toMatchObject({ original: bad });
    expect(record(results[2]).recordId).toBe('after');
  });

  it('CONGESTION and FAILED are failed calls', () => {
    const results = parseAsteriskMasterCsv([line({ disposition: 'CONGESTION', answer: '', billsec: 0 }), line({ disposition: 'FAILED', answer: '', billsec: 0 })].join('\n'), rome);
    expect(results.map((r) => record(r).disposition)).toEqual(['failed', 'failed']);
  });

  it('reports every problem of a row', () => {
    const [result] = parseAsteriskMasterCsv(line({ uniqueid: '', billsec: -1, disposition: 'MAYBE' }), rome);
    expect(reasonsOf(result).map((r) => r.code)).toEqual(['missing_field', 'negative_duration', 'unknown_disposition']);
  });

  it('a line longer than 1 MiB is refused without being kept whole', () => {
    const long = `"${'x'.repeat((1 << 20) + 10)}"`;
    const results = parseAsteriskMasterCsv([line(), long].join('\n'), rome);
    expect(reasonsOf(results[1])).toEqual([{ code: 'malformed_csv_row', path: 'row 2' }]);
    expect(String(results[1]?.ok === false && results[1].original).length).toBeLessThan(1000);
  });
});

describe('parseAsteriskMasterCsv: daylight saving time in Europe/Rome', () => {
  const parse = (fields: Record<string, string | number>) => parseAsteriskMasterCsv(line(fields), rome)[0];

  it('winter time is +01:00', () => {
    expect(record(parse({ start: '2026-12-01 10:00:00', answer: '2026-12-01 10:00:05', end: '2026-12-01 10:01:06' })).startTime).toBe('2026-12-01T10:00:00+01:00');
  });

  it('a time inside the skipped spring hour never happened: refused, the zone is probably wrong', () => {
    expect(reasonsOf(parse({ start: '2026-03-29 02:30:00', answer: '2026-03-29 03:30:05', end: '2026-03-29 03:31:06' }))).toEqual([
      { code: 'nonexistent_local_time', path: 'row 1 column start' },
    ]);
  });

  it('a call across the spring change keeps each time in its own offset', () => {
    const r = record(parse({ start: '2026-03-29 01:59:00', answer: '2026-03-29 01:59:10', end: '2026-03-29 03:01:00', duration: 120, billsec: 110 }));
    expect([r.startTime, r.answerTime, r.endTime]).toEqual(['2026-03-29T01:59:00+01:00', '2026-03-29T01:59:10+01:00', '2026-03-29T03:01:00+02:00']);
  });

  it('in the repeated autumn hour the duration tells which 02:xx was meant', () => {
    // 02:50 summer time to 02:10 winter time is 20 minutes.
    const r = record(parse({ start: '2026-10-25 02:50:00', answer: '2026-10-25 02:50:05', end: '2026-10-25 02:10:00', duration: 1200, billsec: 1195 }));
    expect([r.startTime, r.answerTime, r.endTime]).toEqual(['2026-10-25T02:50:00+02:00', '2026-10-25T02:50:05+02:00', '2026-10-25T02:10:00+01:00']);
  });

  it('an end in the repeated hour is placed by the duration from an unambiguous start', () => {
    const short = record(parse({ start: '2026-10-25 01:55:00', answer: '2026-10-25 01:55:05', end: '2026-10-25 02:05:00', duration: 600, billsec: 595 }));
    expect(short.endTime).toBe('2026-10-25T02:05:00+02:00');
    const long = record(parse({ start: '2026-10-25 01:55:00', answer: '2026-10-25 01:55:05', end: '2026-10-25 02:05:00', duration: 4200, billsec: 4195 }));
    expect(long.endTime).toBe('2026-10-25T02:05:00+01:00');
  });

  it('a call wholly inside the repeated hour is read as its first occurrence (summer time)', () => {
    const r = record(parse({ start: '2026-10-25 02:10:00', answer: '2026-10-25 02:10:05', end: '2026-10-25 02:20:00', duration: 600, billsec: 595 }));
    expect([r.startTime, r.endTime]).toEqual(['2026-10-25T02:10:00+02:00', '2026-10-25T02:20:00+02:00']);
  });
});

describe('parseAsteriskMasterCsvStream', () => {
  it('reads the sample file in tiny chunks to the same results as the in-memory parser', async () => {
    const streamed = await collect(parseAsteriskMasterCsvStream(createReadStream(fixtureUrl('Master.csv'), { highWaterMark: 7 }), rome));
    expect(streamed).toEqual(parseAsteriskMasterCsv(masterCsv, rome));
  });

  it('gives the row numbers and raw lines of a mixed file; bad rows do not stop the good ones', async () => {
    const rows = await collect(asteriskMasterCsvRows(createReadStream(fixtureUrl('Master-mixed.csv'), { highWaterMark: 16 }), rome));
    expect(rows.map((r) => [r.row, r.result.ok ? 'ok' : r.result.reasons[0]?.code])).toEqual([
      [1, 'ok'],
      [2, 'malformed_csv_row'],
      [3, 'ok'],
      [5, 'negative_duration'],
      [6, 'wrong_column_count'],
      [7, 'ok'],
    ]);
    expect(rows[1]?.raw).toContain('"1791200000.2"');
  });

  it('decodes a multi-byte character split across chunks', async () => {
    const bytes = Buffer.from(`${line({ clid: '"Zoë" <1001>', uniqueid: 'zoe' })}\n`);
    const chunks = [...bytes].map((b) => Buffer.from([b])); // one byte at a time
    const [result] = await collect(parseAsteriskMasterCsvStream(Readable.from(chunks), rome));
    expect(record(result).recordId).toBe('zoe');
  });

  it('checks its options before reading', () => {
    expect(() => parseAsteriskMasterCsvStream(Readable.from([]), { source: 'pbx', timeZone: 'Nowhere/Land' })).toThrow(RangeError);
  });
});
