import {
  asteriskMasterCsvRows,
  mappedCsvRows,
  parseFreeSwitchJsonCdr,
  readLines,
  type CsvMapping,
  type ParseResult,
  type Reason,
  type SwitchRecord,
  type TextInput,
} from '../formats/index.js';
import { jsonDocuments } from './jsonDocuments.js';

export type ImportFormat = 'asterisk_csv' | 'csv' | 'freeswitch_json' | 'ndjson';

/** One record on its way to POST /v1/cdrs: the NDJSON line sent and where it came from. */
export type WireItem = {
  /** `file:line`, for the operator. */
  origin: string;
  recordId?: string;
  /** The line of the NDJSON body. */
  json: string;
  /** Set when the local parser refused the record; it is sent anyway so the server records the rejection. */
  localReasons?: Reason[];
};

export type WireSettings = {
  format: ImportFormat;
  /** Sent on every record when given; otherwise the server takes the source from the API key. */
  source?: string;
  timeZone?: string;
  mapping?: CsvMapping;
  inboundContexts?: readonly string[];
};

/** Parsers need a source; records are sent without it when none was given (the API key names the switch). */
const SOURCE_FROM_API_KEY = 'source-from-api-key';

function withoutSource(record: SwitchRecord): Omit<SwitchRecord, 'source'> {
  const { source: _fromApiKey, ...rest } = record;
  return rest;
}

function wireOf(origin: string, result: ParseResult, settings: WireSettings): WireItem {
  if (result.ok) {
    const sent = settings.source ? result.record : withoutSource(result.record);
    return { origin, recordId: result.record.recordId, json: JSON.stringify(sent) };
  }
  // The record the server will refuse, carrying the local reasons and the record as it was in the file.
  const refused = { format: settings.format, original: result.original, reasons: result.reasons, ...(settings.source ? { source: settings.source } : {}) };
  return { origin, json: JSON.stringify(refused), localReasons: result.reasons };
}

/**
 * The records of one file as NDJSON lines, read as they are consumed. Switch formats are parsed here, so a
 * refusal names the file's row; NDJSON files are already in the API's shape and pass through line by line.
 * Every record of the file yields one item, refused ones included: nothing is dropped on the client.
 */
export async function* wireItems(name: string, input: TextInput, settings: WireSettings): AsyncGenerator<WireItem> {
  const source = settings.source ?? SOURCE_FROM_API_KEY;
  switch (settings.format) {
    case 'asterisk_csv': {
      if (!settings.timeZone) throw new TypeError('asterisk_csv needs the switch time zone');
      const rows = asteriskMasterCsvRows(input, { source, timeZone: settings.timeZone, inboundContexts: settings.inboundContexts ?? [] });
      for await (const row of rows) yield wireOf(`${name}:${row.row}`, row.result, settings);
      return;
    }
    case 'csv': {
      if (!settings.mapping) throw new TypeError('csv needs a column mapping');
      for await (const row of mappedCsvRows(input, settings.mapping, { source })) yield wireOf(`${name}:${row.row}`, row.result, settings);
      return;
    }
    case 'freeswitch_json': {
      for await (const doc of jsonDocuments(readLines(input))) {
        yield wireOf(`${name}:${doc.row}`, parseFreeSwitchJsonCdr(doc.text, { source }), settings);
      }
      return;
    }
    case 'ndjson': {
      for await (const line of readLines(input)) {
        const text = line.text.trim();
        if (text !== '') yield { origin: `${name}:${line.row}`, json: text };
      }
      return;
    }
  }
}
