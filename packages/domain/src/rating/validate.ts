import { SERVICES } from '../catalogue/schema.js';
import type { RatingCdr } from './types.js';

const DIRECTIONS = new Set(['outbound', 'inbound']);
const DISPOSITIONS = new Set(['answered', 'busy', 'no_answer', 'failed']);
const SERVICE_SET = new Set<string>(SERVICES);

/** A problem with a CDR's fields, or undefined when its shape is fine. */
export function cdrShapeProblem(cdr: RatingCdr): string | undefined {
  if (cdr === null || typeof cdr !== 'object') return 'the CDR is not an object';
  const svc = cdr.service;
  if (svc !== 'voice' && svc !== 'sms' && svc !== 'data' && svc !== 'fax' && svc !== 'email' && !SERVICE_SET.has(svc)) return `unknown service ${JSON.stringify(cdr.service)}`;
  if (cdr.direction !== 'outbound' && cdr.direction !== 'inbound' && !DIRECTIONS.has(cdr.direction)) return `unknown direction ${JSON.stringify(cdr.direction)}`;
  if (cdr.disposition !== 'answered' && !DISPOSITIONS.has(cdr.disposition)) return `unknown disposition ${JSON.stringify(cdr.disposition)}`;
  if (typeof cdr.billableUnits !== 'number' || !Number.isSafeInteger(cdr.billableUnits) || cdr.billableUnits < 0) {
    return `billableUnits must be a non-negative integer, got ${JSON.stringify(cdr.billableUnits)}`;
  }
  if (typeof cdr.calledNumber !== 'string' || typeof cdr.callingNumber !== 'string') return 'callingNumber and calledNumber must be strings';
  if (typeof cdr.startTime !== 'string') return 'startTime must be a string';
  return undefined;
}
