import type { Reason } from './types.js';

/** Separators people and exports put in numbers; the E.164 normaliser removes them later. */
const DIALLED_NUMBER = /^\+?[0-9][0-9 \-./()]*$/;
const MAX_DIGITS = 20;

/**
 * Checks that a calling or called number is a telephone number as a switch writes it: digits, an optional
 * leading '+', common separators. Anonymous callers, dialplan extensions like "s" and feature codes like "*97"
 * are refused here with their row, rather than later without it. The number itself is kept as written.
 */
export function checkDialledNumber(value: string | null | undefined, what: 'calling' | 'called', path: string): Reason | null {
  const text = value?.trim() ?? '';
  if (text === '') return { code: 'missing_field', message: `the ${what} number is empty`, path };
  const digits = text.replace(/\D/g, '').length;
  if (!DIALLED_NUMBER.test(text) || digits > MAX_DIGITS) {
    return { code: 'invalid_number', message: `the ${what} number "${text}" is not a telephone number`, path };
  }
  return null;
}
