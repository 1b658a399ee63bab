import { Direction, Disposition, Service } from '@rcp/contracts';
import { DateTime, FixedOffsetZone, IANAZone, type Zone } from 'luxon';
import { z } from 'zod';
import { MAX_LINE_CHARS, isBlank, linesOfText, readLines, resultsOf, splitCsvLine, type SourceLine } from './lines.js';
import { checkDialledNumber } from './numbers.js';
import { isoInZone, resolveCallTimes, wallTimeInstants, type WallTime } from './time.js';
import type { ParseResult, Reason, RowResult, SwitchRecord, TextInput } from './types.js';

const ColumnName = z.string().trim().min(1);
const BUILT_IN_TIME_FORMATS = ['iso', 'epoch', 'epoch_ms'] as const;

/** Luxon offset tokens (Z, ZZ, ZZZ, z) outside quoted literals: a pattern format reads local times only. */
function hasOffsetToken(pattern: string): boolean {
  return /[Zz]/.test(pattern.replace(/'[^']*'/g, ''));
}

/**
 * How to read a CSV export with a header row: which column holds which field, how its times are written,
 * how its disposition/service/direction values translate, and constants for what the file does not carry.
 * Column names match the header case-insensitively. Unknown keys are refused, so a typo fails at start.
 *
 * time.format: 'iso' (ISO-8601; a value without an offset is local to time.timeZone), 'epoch' (seconds),
 * 'epoch_ms', or a Luxon pattern such as 'dd/MM/yyyy HH:mm:ss' read in time.timeZone (required then).
 * billableUnits: the billsec (or units) column; without one, end - answer when both columns are mapped,
 * else defaults.billableUnits (e.g. 1 for an SMS export). billableUnit 'milliseconds' rounds up to seconds.
 */
export const CsvMapping = z
  .strictObject({
    delimiter: z.string().length(1).default(','),
    columns: z.strictObject({
      recordId: ColumnName,
      callingNumber: ColumnName,
      calledNumber: ColumnName,
      startTime: ColumnName,
      answerTime: ColumnName.optional(),
      endTime: ColumnName.optional(),
      billableUnits: ColumnName.optional(),
      disposition: ColumnName.optional(),
      accountCode: ColumnName.optional(),
      service: ColumnName.optional(),
      direction: ColumnName.optional(),
    }),
    time: z
      .strictObject({
        format: z.string().trim().min(1).default('iso'),
        timeZone: z.string().trim().min(1).optional(),
      })
      .prefault({}),
    billableUnit: z.enum(['seconds', 'milliseconds']).default('seconds'),
    /** Export value -> our value, matched case-insensitively; added to the built-in names (ANSWERED, NO ANSWER, ...). */
    values: z
      .strictObject({
        disposition: z.record(z.string(), Disposition).default({}),
        service: z.record(z.string(), Service).default({}),
        direction: z.record(z.string(), Direction).default({}),
      })
      .prefault({}),
    /** Constants for fields without a column, and for empty cells of mapped ones. */
    defaults: z
      .strictObject({
        service: Service.default('voice'),
        direction: Direction.default('outbound'),
        disposition: Disposition.optional(),
        accountCode: z.string().trim().min(1).nullable().default(null),
        billableUnits: z.number().int().min(0).optional(),
      })
      .prefault({}),
  })
  .superRefine((m, ctx) => {
    const builtIn = (BUILT_IN_TIME_FORMATS as readonly string[]).includes(m.time.format);
    if (m.time.timeZone !== undefined && !IANAZone.isValidZone(m.time.timeZone)) {
      ctx.addIssue({ code: 'custom', path: ['time', 'timeZone'], message: `unknown IANA time zone "${m.time.timeZone}"` });
    }
    if (!builtIn && m.time.timeZone === undefined) {
      ctx.addIssue({ code: 'custom', path: ['time', 'timeZone'], message: `format "${m.time.format}" reads local times: name their IANA zone` });
    }
    if (!builtIn && hasOffsetToken(m.time.format)) {
      ctx.addIssue({ code: 'custom', path: ['time', 'format'], message: 'for times that carry an offset use format "iso"' });
    }
    if (!m.columns.disposition && !m.defaults.disposition) {
      ctx.addIssue({ code: 'custom', path: ['columns', 'disposition'], message: 'map a disposition column or set defaults.disposition' });
    }
    if (!m.columns.billableUnits && !(m.columns.answerTime && m.columns.endTime) && m.defaults.billableUnits === undefined) {
      ctx.addIssue({ code: 'custom', path: ['columns', 'billableUnits'], message: 'map a billableUnits column, or answerTime and endTime, or set defaults.billableUnits' });
    }
  });
export type CsvMapping = z.output<typeof CsvMapping>;
export type CsvMappingInput = z.input<typeof CsvMapping>;

/** Validates a mapping (e.g. a parsed mapping.json); throws an Error listing every problem. */
export function parseCsvMapping(value: unknown): CsvMapping {
  const parsed = CsvMapping.safeParse(value);
  if (!parsed.success) throw new Error(`invalid CSV mapping:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export type MappedCsvOptions = { source: string };

type Field = keyof CsvMapping['columns'];
type Direction = z.infer<typeof Direction>;

const BUILT_IN_DISPOSITIONS: Record<string, Disposition> = {
  answered: 'answered',
  busy: 'busy',
  no_answer: 'no_answer',
  'no answer': 'no_answer',
  failed: 'failed',
  congestion: 'failed',
};
const BUILT_IN_SERVICES: Record<string, Service> = { voice: 'voice', sms: 'sms', fax: 'fax', email: 'email', data: 'data' };
const BUILT_IN_DIRECTIONS: Record<string, Direction> = { outbound: 'outbound', inbound: 'inbound', out: 'outbound', in: 'inbound' };

function valueMap<T>(builtIn: Record<string, T>, configured: Record<string, T>): Map<string, T> {
  const map = new Map(Object.entries(builtIn));
  for (const [key, value] of Object.entries(configured)) map.set(key.trim().toLowerCase(), value);
  return map;
}

type TimeRead = { ok: true; instants: number[]; zone: Zone } | { ok: false; reason: Reason };
const HAS_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

function wallOf(dt: DateTime): WallTime {
  return { year: dt.year, month: dt.month, day: dt.day, hour: dt.hour, minute: dt.minute, second: dt.second, millisecond: dt.millisecond };
}

/** The rules of one mapping, set up once per file. */
class MappedCsvReader {
  private readonly zone: IANAZone | null;
  private readonly dispositions: Map<string, Disposition>;
  private readonly services: Map<string, Service>;
  private readonly directions: Map<string, Direction>;
  private header: { row: number; index: Map<string, number>; width: number; problems: Reason[] } | null = null;

  constructor(
    private readonly mapping: CsvMapping,
    private readonly source: string,
  ) {
    this.zone = mapping.time.timeZone ? IANAZone.create(mapping.time.timeZone) : null;
    this.dispositions = valueMap(BUILT_IN_DISPOSITIONS, mapping.values.disposition);
    this.services = valueMap(BUILT_IN_SERVICES, mapping.values.service);
    this.directions = valueMap(BUILT_IN_DIRECTIONS, mapping.values.direction);
  }

  /** The result of one line, or null for the header and blank lines. */
  accept(line: SourceLine): RowResult | null {
    if (isBlank(line.text)) return null;
    if (!this.header) {
      this.readHeader(line);
      return null;
    }
    return { row: line.row, raw: line.text, result: this.parseRow(line, this.header) };
  }

  private readHeader(line: SourceLine): void {
    const split = line.tooLong ? null : splitCsvLine(line.text, this.mapping.delimiter);
    const index = new Map<string, number>();
    const problems: Reason[] = [];
    if (!split?.ok) {
      problems.push({ code: 'malformed_csv_row', message: `the header row (line ${line.row}) cannot be read: ${split ? split.message : 'too long'}`, path: 'header' });
    } else {
      split.fields.forEach((name, i) => {
        const key = name.trim().toLowerCase();
        if (!index.has(key)) index.set(key, i);
      });
      for (const [field, column] of Object.entries(this.mapping.columns)) {
        if (column !== undefined && !index.has(column.toLowerCase())) {
          problems.push({ code: 'missing_column', message: `column "${column}" (mapped to ${field}) is not in the header`, path: 'header' });
        }
      }
    }
    this.header = { row: line.row, index, width: split?.ok ? split.fields.length : 0, problems };
  }

  private parseRow(line: SourceLine, header: NonNullable<MappedCsvReader['header']>): ParseResult {
    const original = line.text;
    const fail = (reasons: Reason[]): ParseResult => ({ ok: false, reasons, original });
    const rowPath = `row ${line.row}`;
    if (header.problems.length > 0) return fail(header.problems);
    if (line.tooLong) return fail([{ code: 'malformed_csv_row', message: `the line is longer than ${MAX_LINE_CHARS} characters`, path: rowPath }]);
    const split = splitCsvLine(line.text, this.mapping.delimiter);
    if (!split.ok) return fail([{ code: 'malformed_csv_row', message: split.message, path: rowPath }]);
    if (split.fields.length !== header.width) {
      return fail([{ code: 'wrong_column_count', message: `${split.fields.length} columns where the header has ${header.width}`, path: rowPath }]);
    }
    const fields = split.fields;
    const { columns, defaults } = this.mapping;
    const reasons: Reason[] = [];
    const at = (field: Field) => `${rowPath} column ${columns[field] ?? field}`;
    const cell = (field: Field): string | undefined => {
      const column = columns[field];
      return column === undefined ? undefined : (fields[header.index.get(column.toLowerCase()) ?? -1] ?? '').trim();
    };
    const required = (field: Field, what: string): string | undefined => {
      const value = cell(field);
      if (value === '' || value === undefined) reasons.push({ code: 'missing_field', message: `${what} is empty`, path: at(field) });
      return value || undefined;
    };
    const zones: Partial<Record<'startTime' | 'answerTime' | 'endTime', Zone>> = {};
    const time = (field: 'startTime' | 'answerTime' | 'endTime'): number[] | null | undefined => {
      const value = field === 'startTime' ? required(field, 'the start time') : cell(field);
      if (!value) return field === 'startTime' ? undefined : null;
      const read = this.readTime(value, at(field));
      if (!read.ok) {
        reasons.push(read.reason);
        return undefined;
      }
      zones[field] = read.zone;
      return read.instants;
    };
    const mapped = <T>(field: 'disposition' | 'service' | 'direction', map: Map<string, T>, fallback: T | undefined, code: Reason['code']): T | undefined => {
      const value = cell(field);
      if (!value) {
        if (fallback === undefined) reasons.push({ code: 'missing_field', message: `${field} is empty and the mapping has no default`, path: at(field) });
        return fallback;
      }
      const result = map.get(value.toLowerCase());
      if (result === undefined) reasons.push({ code, message: `${field} "${value}" is not in the mapping's values (${[...map.keys()].join(', ')})`, path: at(field) });
      return result;
    };

    const recordId = required('recordId', 'the record id');
    const calling = cell('callingNumber');
    const called = cell('calledNumber');
    const callingProblem = checkDialledNumber(calling, 'calling', at('callingNumber'));
    if (callingProblem) reasons.push(callingProblem);
    const calledProblem = checkDialledNumber(called, 'called', at('calledNumber'));
    if (calledProblem) reasons.push(calledProblem);
    const start = time('startTime');
    const answer = time('answerTime');
    const end = time('endTime');
    const disposition = mapped('disposition', this.dispositions, defaults.disposition, 'unknown_disposition');
    const service = mapped('service', this.services, defaults.service, 'unknown_service');
    const direction = mapped('direction', this.directions, defaults.direction, 'unknown_direction');

    // Billable units: the mapped column; without one, end - answer of an answered call; else the default.
    let billable: number | undefined;
    const unitsText = cell('billableUnits');
    const fromTimes = columns.billableUnits === undefined && columns.answerTime !== undefined && columns.endTime !== undefined;
    if (unitsText) {
      if (/^-\d+(\.\d+)?$/.test(unitsText)) reasons.push({ code: 'negative_duration', message: `billable units are negative (${unitsText})`, path: at('billableUnits') });
      else if (!/^\d+(\.\d+)?$/.test(unitsText)) reasons.push({ code: 'invalid_duration', message: `billable units "${unitsText}" are not a number`, path: at('billableUnits') });
      else billable = Math.ceil(this.mapping.billableUnit === 'milliseconds' ? Number(unitsText) / 1000 : Number(unitsText));
    } else if (!fromTimes) {
      if (defaults.billableUnits !== undefined) billable = defaults.billableUnits;
      else reasons.push({ code: 'missing_field', message: 'billable units are empty and the mapping has no default', path: at('billableUnits') });
    }

    let times: { start: number; answer: number | null; end: number | null } | null = null;
    if (start && answer !== undefined && end !== undefined) {
      const resolved = resolveCallTimes({ start, answer, end, billSeconds: service === 'voice' ? billable : undefined });
      if (resolved.ordered) times = resolved;
      else if (resolved.end !== null && resolved.end < resolved.start) reasons.push({ code: 'end_before_start', message: 'the end time is before the start time', path: at('endTime') });
      else if (resolved.answer !== null && resolved.answer < resolved.start) reasons.push({ code: 'answer_before_start', message: 'the answer time is before the start time', path: at('answerTime') });
      else reasons.push({ code: 'answer_after_end', message: 'the answer time is after the end time', path: at('answerTime') });
    }
    if (fromTimes && times) {
      billable = disposition === 'answered' && times.answer !== null && times.end !== null ? Math.ceil((times.end - times.answer) / 1000) : 0;
    }
    if (service === 'voice' && disposition && disposition !== 'answered' && billable !== undefined && billable > 0) {
      reasons.push({ code: 'inconsistent_answer', message: `the call is ${disposition} but has ${billable} billable seconds`, path: at(columns.billableUnits ? 'billableUnits' : 'disposition') });
    }

    if (reasons.length > 0 || !recordId || !times || billable === undefined || !disposition || !service || !direction || !calling || !called) return fail(reasons);
    const render = (ms: number | null, field: 'startTime' | 'answerTime' | 'endTime') => (ms === null ? null : isoInZone(ms, zones[field] ?? FixedOffsetZone.utcInstance));
    const record: SwitchRecord = {
      source: this.source,
      recordId,
      accountCode: cell('accountCode') || defaults.accountCode,
      service,
      direction,
      callingNumber: calling,
      calledNumber: called,
      startTime: render(times.start, 'startTime') as string,
      answerTime: render(times.answer, 'answerTime'),
      endTime: render(times.end, 'endTime'),
      billableUnits: billable,
      disposition,
      format: 'csv',
    };
    return { ok: true, record };
  }

  /** Candidate instants of one time cell and the zone to write it back in (its own offset when it has one). */
  private readTime(value: string, path: string): TimeRead {
    const format = this.mapping.time.format;
    const utc = FixedOffsetZone.utcInstance;
    const invalid = (why: string): TimeRead => ({ ok: false, reason: { code: 'invalid_timestamp', message: `"${value}" ${why}`, path } });
    if (format === 'epoch' || format === 'epoch_ms') {
      if (!(format === 'epoch' ? /^\d+(\.\d+)?$/ : /^\d+$/).test(value)) return invalid(`is not ${format === 'epoch' ? 'epoch seconds' : 'epoch milliseconds'}`);
      const ms = format === 'epoch' ? Math.round(Number(value) * 1000) : Number(value);
      return { ok: true, instants: [ms], zone: this.zone ?? utc };
    }
    let local: DateTime;
    if (format === 'iso') {
      // ISO-8601, or its SQL spelling with a space for the T.
      const readIso = (opts: { setZone: true } | { zone: Zone }) => {
        const dt = DateTime.fromISO(value, opts);
        return dt.isValid ? dt : DateTime.fromSQL(value, opts);
      };
      if (HAS_OFFSET.test(value)) {
        const dt = readIso({ setZone: true });
        return dt.isValid ? { ok: true, instants: [dt.toMillis()], zone: dt.zone } : invalid('is not an ISO-8601 time');
      }
      if (!this.zone) return invalid('has no offset and the mapping names no time.timeZone');
      local = readIso({ zone: utc });
      if (!local.isValid) return invalid('is not an ISO-8601 time');
    } else {
      local = DateTime.fromFormat(value, format, { zone: utc });
      if (!local.isValid) return invalid(`does not match the format "${format}"`);
    }
    const zone = this.zone as IANAZone;
    const instants = wallTimeInstants(wallOf(local), zone);
    if (instants.length === 0) {
      return { ok: false, reason: { code: 'nonexistent_local_time', message: `${value} never happened in ${zone.name}: the clocks skip that hour (DST starts)`, path } };
    }
    return { ok: true, instants, zone };
  }
}

/**
 * Parses a CSV export with a header row and a column mapping: one result per non-blank line after the header.
 * A whole text gives an array; a stream (e.g. fs.createReadStream) gives an async iterable read as consumed.
 * Throws only for an invalid mapping or options, before reading anything.
 */
export function parseMappedCsv(text: string, mapping: CsvMappingInput | CsvMapping, opts: MappedCsvOptions): ParseResult[];
export function parseMappedCsv(input: TextInput, mapping: CsvMappingInput | CsvMapping, opts: MappedCsvOptions): AsyncIterable<ParseResult>;
export function parseMappedCsv(input: string | TextInput, mapping: CsvMappingInput | CsvMapping, opts: MappedCsvOptions): ParseResult[] | AsyncIterable<ParseResult> {
  if (typeof input !== 'string') return parseMappedCsvStream(input, mapping, opts);
  const reader = newReader(mapping, opts);
  const results: ParseResult[] = [];
  for (const line of linesOfText(input)) {
    const row = reader.accept(line);
    if (row) results.push(row.result);
  }
  return results;
}

export function parseMappedCsvStream(input: TextInput, mapping: CsvMappingInput | CsvMapping, opts: MappedCsvOptions): AsyncIterable<ParseResult> {
  return resultsOf(mappedCsvRows(input, mapping, opts));
}

/** The streaming form with each result's row number and raw line. */
export function mappedCsvRows(input: TextInput, mapping: CsvMappingInput | CsvMapping, opts: MappedCsvOptions): AsyncIterable<RowResult> {
  const reader = newReader(mapping, opts);
  return (async function* () {
    for await (const line of readLines(input)) {
      const row = reader.accept(line);
      if (row) yield row;
    }
  })();
}

function newReader(mapping: CsvMappingInput | CsvMapping, opts: MappedCsvOptions): MappedCsvReader {
  if (!opts.source?.trim()) throw new TypeError('a CSV import needs the switch id as source');
  return new MappedCsvReader(parseCsvMapping(mapping), opts.source.trim());
}
