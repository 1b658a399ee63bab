export type { SwitchRecord, SwitchFormat, ParseResult, RowResult, Reason, ReasonCode, TextInput } from './types.js';
export { REASON_CODES } from './types.js';
export {
  parseFreeSwitchJsonCdr,
  decodeFreeSwitchBody,
  freeSwitchDisposition,
  variablesAreUrlEncoded,
  percentDecode,
  type FreeSwitchOptions,
  type FreeSwitchDocument,
} from './freeswitch.js';
export {
  parseAsteriskMasterCsv,
  parseAsteriskMasterCsvStream,
  asteriskMasterCsvRows,
  ASTERISK_MASTER_CSV_COLUMNS,
  ASTERISK_DISPOSITIONS,
  type AsteriskCsvOptions,
} from './asterisk.js';
export {
  parseMappedCsv,
  parseMappedCsvStream,
  mappedCsvRows,
  parseCsvMapping,
  CsvMapping,
  type CsvMappingInput,
  type MappedCsvOptions,
} from './mappedCsv.js';
export { readLines, linesOfText, splitCsvLine, resultsOf, MAX_LINE_CHARS, type SourceLine } from './lines.js';
export { switchTimeZone, wallTimeInstants, resolveCallTimes } from './time.js';
