export * from './config.js';
export * from './service.js';
export { Intake, type IncomingRecord, type RecordOutcome } from './intake/intake.js';
export { LineDirectory } from './intake/line-directory.js';
