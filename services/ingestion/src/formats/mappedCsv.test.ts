import { createReadStream, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCsvMapping, parseMappedCsv, type CsvMappingInput } from './mappedCsv.js';
import type { ParseResult, SwitchRecord } from './types.js';

const fixtureUrl = (name: string) => new URL(`../../test/fixtures/csv/${name}`, import.meta.url);
const exportCsv = readFileSync(fixtureUrl('carrier-export.csv'), 'utf8');
const exportMapping = JSON.parse(readFileSync(fixtureUrl('carrier-export.mapping.json'), 'utf8')) as CsvMappingInput;
const opts = { source: 'carrier-x' };

function record(result: ParseResult | undefined): SwitchRecord {
  if (!result?.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.record;
}
function reasonsOf(result: ParseResult | undefined) {
  if (!result || result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reasons.map((r) => ({ code: r.code, path: r.path }));
}

/** A small comma-separated export with ISO times, for the table tests. */
const isoMapping: CsvMappingInput = {
  columns: { recordId: 'id', callingNumber: 'from', calledNumber: 'to', startTime: 'start', answerTime: 'answer', endTime: 'end', billableUnits: 'billsec', disposition: 'status' },
  time: { format: 'iso', timeZone: 'Europe/Rome' },
};
const isoHeader = 'id,from,to,start,answer,end,billsec,status';
const isoRow = (cells: Partial<Record<'id' | 'from' | 'to' | 'start' | 'answer' | 'end' | 'billsec' | 'status', string>> = {}) => {
  const row = { id: 'r1', from: '0612345678', to: '00442071234567', start: '2026-10-05T10:00:00', answer: '2026-10-05T10:00:05', end: '2026-10-05T10:01:06', billsec: '61', status: 'ANSWERED', ...cells };
  return [row.id, row.from, row.to, row.start, row.answer, row.end, row.billsec, row.status].join(',');
};

describe('parseMappedCsv: a carrier export with a header, ; separators, local times and value maps', () => {
  const results = parseMappedCsv(exportCsv, exportMapping, opts);

  it('gives one result per data row', () => {
    expect(results).toHaveLength(5);
  });

  it('an answered call: numbers as written, Europe/Rome times with offset, milliseconds rounded up to seconds', () => {
    expect(record(results[0])).toEqual({
      source: 'carrier-x',
      recordId: 'c-1',
      accountCode: 'ACME',
      service: 'voice',
      direction: 'outbound',
      callingNumber: '+39 06 1234 5678',
      calledNumber: '+44 20 7123 4567',
      startTime: '2026-10-05T10:00:00+02:00',
      answerTime: '2026-10-05T10:00:05+02:00',
      endTime: '2026-10-05T10:01:06+02:00',
      billableUnits: 61,
      disposition: 'answered',
      format: 'csv',
    });
  });

  it('an unanswered call through the value map, an empty account code gives the default (none)', () => {
    expect(record(results[1])).toMatchObject({ recordId: 'c-2', disposition: 'no_answer', answerTime: null, billableUnits: 0, accountCode: null });
  });

  it('an SMS with the constant default of 1 unit, in the repeated autumn hour (first occurrence)', () => {
    expect(record(results[2])).toMatchObject({ recordId: 'c-3', service: 'sms', billableUnits: 1, startTime: '2026-10-25T02:30:00+02:00' });
  });

  it('times in the skipped spring hour are refused, each with its column', () => {
    expect(reasonsOf(results[3])).toEqual([
      { code: 'nonexistent_local_time', path: 'row 5 column Started' },
      { code: 'nonexistent_local_time', path: 'row 5 column Answered' },
      { code: 'nonexistent_local_time', path: 'row 5 column Ended' },
    ]);
  });

  it('a value outside the disposition map is refused', () => {
    expect(reasonsOf(results[4])).toEqual([{ code: 'unknown_disposition', path: 'row 6 column Result' }]);
  });

  it('streams the file to the same results', async () => {
    const streamed: ParseResult[] = [];
    for await (const r of parseMappedCsv(createReadStream(fixtureUrl('carrier-export.csv'), { highWaterMark: 11 }), exportMapping, opts)) streamed.push(r);
    expect(streamed).toEqual(results);
  });
});

describe('parseMappedCsv: rules', () => {
  const parse = (rows: string[], mapping: CsvMappingInput = isoMapping) => parseMappedCsv([isoHeader, ...rows].join('\n'), mapping, opts);

  it('an ISO time with its own offset keeps it; without one it is local to the mapping zone', () => {
    const [withOffset, local] = parse([isoRow({ start: '2026-10-05T08:00:00Z', answer: '2026-10-05T08:00:05Z', end: '2026-10-05T08:01:06Z' }), isoRow({ id: 'r2' })]);
    expect(record(withOffset).startTime).toBe('2026-10-05T08:00:00Z');
    expect(record(local).startTime).toBe('2026-10-05T10:00:00+02:00');
  });

  it('an ISO time without offset and no zone in the mapping cannot be placed', () => {
    const [result] = parse([isoRow()], { ...isoMapping, time: { format: 'iso' } });
    expect(reasonsOf(result).map((r) => r.code)).toEqual(['invalid_timestamp', 'invalid_timestamp', 'invalid_timestamp']);
  });

  it('epoch seconds, and billable seconds computed from answer and end when there is no billsec column', () => {
    const mapping: CsvMappingInput = {
      columns: { recordId: 'id', callingNumber: 'from', calledNumber: 'to', startTime: 'start', answerTime: 'answer', endTime: 'end', disposition: 'status' },
      time: { format: 'epoch' },
    };
    const [answered] = parseMappedCsv('id,from,to,start,answer,end,status\nr1,1001,1002,1515666344,1515666347,1515666415,answered', mapping, opts);
    expect(record(answered)).toMatchObject({ startTime: '2018-01-11T10:25:44Z', endTime: '2018-01-11T10:26:55Z', billableUnits: 68 });
  });

  it('header names match case-insensitively; a mapped column missing from the header refuses every row', () => {
    expect(parseMappedCsv(`ID,FROM,TO,START,ANSWER,END,BILLSEC,STATUS\n${isoRow()}`, isoMapping, opts)[0]?.ok).toBe(true);
    const results = parseMappedCsv(`id,from,to,start,answer,end,status\nr1,1,2,3,4,5,6\nr2,1,2,3,4,5,6`, isoMapping, opts);
    expect(results.map(reasonsOf)).toEqual([[{ code: 'missing_column', path: 'header' }], [{ code: 'missing_column', path: 'header' }]]);
  });

  it.each([
    ['a row with a column too many', `${isoRow()},extra`, 'wrong_column_count', 'row 2'],
    ['a broken quote', 'r1,"0612,x', 'malformed_csv_row', 'row 2'],
    ['no record id', isoRow({ id: '' }), 'missing_field', 'row 2 column id'],
    ['an invalid calling number', isoRow({ from: 'unknown' }), 'invalid_number', 'row 2 column from'],
    ['an unreadable time', isoRow({ start: 'yesterday' }), 'invalid_timestamp', 'row 2 column start'],
    ['negative billable seconds', isoRow({ billsec: '-5' }), 'negative_duration', 'row 2 column billsec'],
    ['billable seconds that are not a number', isoRow({ billsec: 'lots' }), 'invalid_duration', 'row 2 column billsec'],
    ['end before start', isoRow({ end: '2026-10-05T09:00:00', answer: '' , billsec: '0', status: 'NO ANSWER' }), 'end_before_start', 'row 2 column end'],
    ['an unknown disposition', isoRow({ status: 'PERHAPS' }), 'unknown_disposition', 'row 2 column status'],
    ['billable seconds on a busy call', isoRow({ status: 'BUSY', answer: '' }), 'inconsistent_answer', 'row 2 column billsec'],
  ])('%s', (_name, row, code, path) => {
    const results = parse([row, isoRow({ id: 'after' })]);
    expect(reasonsOf(results[0])).toEqual([{ code, path }]);
    expect(record(results[1]).recordId).toBe('after');
  });

  it('an unknown service value is refused; known ones map case-insensitively', () => {
    const mapping: CsvMappingInput = { ...isoMapping, columns: { ...isoMapping.columns, service: 'kind' }, values: { service: { Call: 'voice' } } };
    const results = parseMappedCsv(`${isoHeader},kind\n${isoRow()},CALL\n${isoRow({ id: 'r2' })},pigeon`, mapping, opts);
    expect(record(results[0]).service).toBe('voice');
    expect(reasonsOf(results[1])).toEqual([{ code: 'unknown_service', path: 'row 3 column kind' }]);
  });
});

describe('parseCsvMapping: a wrong mapping stops the import before any row', () => {
  it.each([
    ['a pattern format without a zone', { ...isoMapping, time: { format: 'dd/MM/yyyy HH:mm' } }, 'reads local times'],
    ['a pattern with an offset token', { ...isoMapping, time: { format: 'yyyy-MM-dd HH:mm ZZ', timeZone: 'UTC' } }, 'use format "iso"'],
    ['an unknown zone', { ...isoMapping, time: { format: 'iso', timeZone: 'Europe/Atlantis' } }, 'unknown IANA time zone'],
    ['neither a disposition column nor a default', { ...isoMapping, columns: { ...isoMapping.columns, disposition: undefined } }, 'defaults.disposition'],
    ['no way to get billable units', { ...isoMapping, columns: { recordId: 'id', callingNumber: 'from', calledNumber: 'to', startTime: 'start', disposition: 'status' } }, 'billableUnits'],
    ['a misspelt key', { ...isoMapping, colums: {} }, 'colums'],
    ['a value map to something that is not a disposition', { ...isoMapping, values: { disposition: { OK: 'fine' } } }, 'values.disposition.OK'],
  ])('%s', (_name, mapping, message) => {
    expect(() => parseCsvMapping(mapping)).toThrow(message);
    expect(() => parseMappedCsv(`${isoHeader}\n${isoRow()}`, mapping as CsvMappingInput, opts)).toThrow();
  });

  it('fills the defaults', () => {
    expect(parseCsvMapping(isoMapping)).toMatchObject({ delimiter: ',', billableUnit: 'seconds', defaults: { service: 'voice', direction: 'outbound', accountCode: null } });
  });
});
