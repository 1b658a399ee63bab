import type { Disposition } from '@rcp/contracts';
import type { IANAZone } from 'luxon';
import { MAX_LINE_CHARS, isBlank, linesOfText, readLines, resultsOf, splitCsvLine, type SourceLine } from './lines.js';
import { checkDialledNumber } from './numbers.js';
import { isoInZone, parseWallTime, resolveCallTimes, switchTimeZone, wallTimeInstants } from './time.js';
import type { ParseResult, Reason, RowResult, SwitchRecord, TextInput } from './types.js';

/*
 * Asterisk cdr_csv Master.csv (cdr/cdr_csv.c build_csv_record): one record per line, strings quoted with `"`
 * and inner quotes doubled, integers bare, an empty time written as an empty field, times as `%Y-%m-%d %T`
 * in the switch's local zone unless usegmtime=yes. The columns, in order:
 */
export const ASTERISK_MASTER_CSV_COLUMNS = [
  'accountcode',
  'src',
  'dst',
  'dcontext',
  'clid',
  'channel',
  'dstchannel',
  'lastapp',
  'lastdata',
  'start',
  'answer',
  'end',
  'duration',
  'billsec',
  'disposition',
  'amaflags',
  'uniqueid', // loguniqueid=yes: the record id, so required here
  'userfield', // loguserfield=yes
  'peeraccount', // newcdrcolumns=yes appends these three
  'linkedid',
  'sequence',
] as const;
type AsteriskColumn = (typeof ASTERISK_MASTER_CSV_COLUMNS)[number];

/** uniqueid with or without userfield, with or without the three newcdrcolumns. */
const ACCEPTED_COLUMN_COUNTS: readonly number[] = [17, 18, 20, 21];

/** Master.csv disposition (ast_cdr_disp2str) -> disposition. CONGESTION (Asterisk 12+) is a network failure. */
export const ASTERISK_DISPOSITIONS: Readonly<Record<string, Disposition>> = {
  ANSWERED: 'answered',
  'NO ANSWER': 'no_answer',
  BUSY: 'busy',
  FAILED: 'failed',
  CONGESTION: 'failed',
};

export type AsteriskCsvOptions = {
  source: string;
  /** IANA zone of the switch's clock; 'UTC' when cdr.conf has usegmtime=yes. */
  timeZone: string;
  /**
   * dcontext values of calls that come in from outside (e.g. from-trunk, from-pstn): those records are
   * 'inbound'. Master.csv has no direction column; every other record is an 'outbound' call of the line.
   */
  inboundContexts?: readonly string[];
};

type Setup = { source: string; zone: IANAZone; inboundContexts: ReadonlySet<string> };

function setUp(opts: AsteriskCsvOptions): Setup {
  if (!opts.source?.trim()) throw new TypeError('an Asterisk import needs the switch id as source');
  return { source: opts.source.trim(), zone: switchTimeZone(opts.timeZone), inboundContexts: new Set(opts.inboundContexts ?? []) };
}

function parseRow(line: SourceLine, setup: Setup): ParseResult {
  const original = line.text;
  const fail = (reasons: Reason[]): ParseResult => ({ ok: false, reasons, original });
  const rowPath = `row ${line.row}`;
  if (line.tooLong) return fail([{ code: 'malformed_csv_row', message: `the line is longer than ${MAX_LINE_CHARS} characters`, path: rowPath }]);
  const split = splitCsvLine(line.text);
  if (!split.ok) return fail([{ code: 'malformed_csv_row', message: split.message, path: rowPath }]);
  const fields = split.fields;
  if (!ACCEPTED_COLUMN_COUNTS.includes(fields.length)) {
    return fail([
      {
        code: 'wrong_column_count',
        message: `${fields.length} columns; Master.csv has 18 (accountcode ... uniqueid, userfield), 17 without userfield, 20 or 21 with newcdrcolumns`,
        path: rowPath,
      },
    ]);
  }

  const reasons: Reason[] = [];
  const at = (column: AsteriskColumn) => `${rowPath} column ${column}`;
  const value = (column: AsteriskColumn) => (fields[ASTERISK_MASTER_CSV_COLUMNS.indexOf(column)] ?? '').trim();

  const localTime = (column: 'start' | 'answer' | 'end', required: boolean): number[] | null | undefined => {
    const text = value(column);
    if (text === '') {
      if (required) reasons.push({ code: 'missing_field', message: `the ${column} time is empty`, path: at(column) });
      return required ? undefined : null;
    }
    const wall = parseWallTime(text);
    if (!wall) {
      reasons.push({ code: 'invalid_timestamp', message: `"${text}" is not a time like 2026-10-05 10:00:00`, path: at(column) });
      return undefined;
    }
    const instants = wallTimeInstants(wall, setup.zone);
    if (instants.length === 0) {
      reasons.push({
        code: 'nonexistent_local_time',
        message: `${text} never happened in ${setup.zone.name}: the clocks skip that hour (DST starts); check the switch's configured time zone`,
        path: at(column),
      });
      return undefined;
    }
    return instants;
  };
  const seconds = (column: 'duration' | 'billsec'): number | undefined => {
    const text = value(column);
    if (text === '') reasons.push({ code: 'missing_field', message: `${column} is empty`, path: at(column) });
    else if (/^-\d+$/.test(text)) reasons.push({ code: 'negative_duration', message: `${column} is negative (${text})`, path: at(column) });
    else if (!/^\d+$/.test(text)) reasons.push({ code: 'invalid_duration', message: `${column} "${text}" is not a whole number of seconds`, path: at(column) });
    else return Number(text);
    return undefined;
  };

  const recordId = value('uniqueid');
  if (recordId === '') reasons.push({ code: 'missing_field', message: 'uniqueid is empty (cdr.conf loguniqueid=yes is needed)', path: at('uniqueid') });
  const callingProblem = checkDialledNumber(value('src'), 'calling', at('src'));
  if (callingProblem) reasons.push(callingProblem);
  const calledProblem = checkDialledNumber(value('dst'), 'called', at('dst'));
  if (calledProblem) reasons.push(calledProblem);

  const start = localTime('start', true);
  const answer = localTime('answer', false);
  const end = localTime('end', true);
  const duration = seconds('duration');
  const billsec = seconds('billsec');

  const dispositionText = value('disposition');
  const disposition = ASTERISK_DISPOSITIONS[dispositionText.toUpperCase()];
  if (dispositionText === '') reasons.push({ code: 'missing_field', message: 'disposition is empty', path: at('disposition') });
  else if (!disposition) {
    reasons.push({ code: 'unknown_disposition', message: `disposition "${dispositionText}" is not one of ${Object.keys(ASTERISK_DISPOSITIONS).join(', ')}`, path: at('disposition') });
  }

  if (duration !== undefined && billsec !== undefined && billsec > duration) {
    reasons.push({ code: 'billsec_exceeds_duration', message: `billsec ${billsec} is longer than the whole call (duration ${duration})`, path: at('billsec') });
  }
  if (disposition === 'answered' && answer === null) {
    reasons.push({ code: 'inconsistent_answer', message: 'the call is ANSWERED but has no answer time', path: at('answer') });
  }
  if (disposition && disposition !== 'answered' && billsec !== undefined && billsec > 0) {
    reasons.push({ code: 'inconsistent_answer', message: `the call is ${dispositionText} but has ${billsec} billable seconds`, path: at('billsec') });
  }

  let times: { start: number; answer: number | null; end: number } | null = null;
  if (start && answer !== undefined && end) {
    const resolved = resolveCallTimes({ start, answer, end, durationSeconds: duration, billSeconds: billsec });
    if (resolved.ordered && resolved.end !== null) {
      times = { start: resolved.start, answer: resolved.answer, end: resolved.end };
    } else if (resolved.end !== null && resolved.end < resolved.start) {
      reasons.push({ code: 'end_before_start', message: 'the end time is before the start time', path: at('end') });
    } else if (resolved.answer !== null && resolved.answer < resolved.start) {
      reasons.push({ code: 'answer_before_start', message: 'the answer time is before the start time', path: at('answer') });
    } else {
      reasons.push({ code: 'answer_after_end', message: 'the answer time is after the end time', path: at('answer') });
    }
  }

  if (reasons.length > 0 || !times || !disposition || billsec === undefined) return fail(reasons);
  const accountCode = value('accountcode');
  const record: SwitchRecord = {
    source: setup.source,
    recordId,
    accountCode: accountCode === '' ? null : accountCode,
    service: 'voice',
    direction: setup.inboundContexts.has(value('dcontext')) ? 'inbound' : 'outbound',
    callingNumber: value('src'),
    calledNumber: value('dst'),
    startTime: isoInZone(times.start, setup.zone),
    answerTime: times.answer === null ? null : isoInZone(times.answer, setup.zone),
    endTime: isoInZone(times.end, setup.zone),
    billableUnits: billsec,
    disposition,
    format: 'asterisk_csv',
  };
  return { ok: true, record };
}

function* rowsOf(lines: Iterable<SourceLine>, setup: Setup): Generator<RowResult> {
  for (const line of lines) if (!isBlank(line.text)) yield { row: line.row, raw: line.text, result: parseRow(line, setup) };
}

async function* rowsOfStream(lines: AsyncIterable<SourceLine>, setup: Setup): AsyncGenerator<RowResult> {
  for await (const line of lines) if (!isBlank(line.text)) yield { row: line.row, raw: line.text, result: parseRow(line, setup) };
}

/**
 * Parses a whole Master.csv held in memory: one result per non-blank line, in file order. A bad line is
 * refused with its row number and the raw line; the lines around it still parse. Blank lines are not records.
 * Throws only for bad options (unknown time zone, no source), before reading anything.
 */
export function parseAsteriskMasterCsv(text: string, opts: AsteriskCsvOptions): ParseResult[] {
  const setup = setUp(opts);
  return [...rowsOf(linesOfText(text), setup)].map((r) => r.result);
}

/** The streaming form of parseAsteriskMasterCsv, with each result's row number and raw line. */
export function asteriskMasterCsvRows(input: TextInput, opts: AsteriskCsvOptions): AsyncIterable<RowResult> {
  const setup = setUp(opts);
  return rowsOfStream(readLines(input), setup);
}

/** Streams a Master.csv of any size (e.g. fs.createReadStream): the file is read only as results are consumed. */
export function parseAsteriskMasterCsvStream(input: TextInput, opts: AsteriskCsvOptions): AsyncIterable<ParseResult> {
  return resultsOf(asteriskMasterCsvRows(input, opts));
}
