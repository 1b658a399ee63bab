// Number normalisation to E.164 digits (no '+'), before any prefix matching. Ingestion and rating share it.

export interface NumberingPlan {
  /** Country calling code of the line or switch, e.g. "39" for Italy, "44" for the UK. */
  readonly countryCode: string;
  /** International call prefix dialled before a country code ("00" in Europe, "011" in NANP). */
  readonly internationalPrefix?: string;
  /**
   * Trunk (national) prefix dropped before adding the country code: "0" in the UK (020... -> 4420...).
   * Italy has none: the leading 0 of a fixed number is part of the number (06... -> 3906...).
   * Defaults from the country code (see TRUNK_PREFIX_BY_COUNTRY), else "0".
   */
  readonly trunkPrefix?: string;
  /**
   * How to read digits with neither '+' nor the international prefix: 'national' (as dialled on the line,
   * the default) or 'international' (the switch already writes E.164 without '+').
   */
  readonly bareDigits?: 'national' | 'international';
}

/** Countries whose national numbers keep their leading 0 in international format. */
const TRUNK_PREFIX_BY_COUNTRY: Readonly<Record<string, string>> = { '39': '', '378': '', '379': '' };

export type NormalisedNumber = { readonly ok: true; readonly e164: string } | { readonly ok: false; readonly reason: string };

const SEPARATORS = /[\s\-./()]/g;
const MAX_E164_DIGITS = 15;

/**
 * Normalises a dialled or recorded number to E.164 digits: "+39 06 1234", "0039 06 1234" and, on an Italian
 * line, "06 1234" all become "39061234".
 */
export function normaliseNumber(raw: string, plan: NumberingPlan): NormalisedNumber {
  const compact = raw.trim().replace(SEPARATORS, '');
  if (compact.length === 0) return { ok: false, reason: 'empty number' };
  const internationalPrefix = plan.internationalPrefix ?? '00';
  let e164: string;
  if (compact.startsWith('+')) {
    e164 = compact.slice(1);
  } else if (internationalPrefix.length > 0 && compact.startsWith(internationalPrefix)) {
    e164 = compact.slice(internationalPrefix.length);
  } else if ((plan.bareDigits ?? 'national') === 'international') {
    e164 = compact;
  } else {
    const trunk = plan.trunkPrefix ?? TRUNK_PREFIX_BY_COUNTRY[plan.countryCode] ?? '0';
    const national = trunk.length > 0 && compact.startsWith(trunk) ? compact.slice(trunk.length) : compact;
    e164 = plan.countryCode + national;
  }
  if (!/^[1-9]\d*$/.test(e164)) return { ok: false, reason: `"${raw}" is not a telephone number` };
  if (e164.length > MAX_E164_DIGITS) return { ok: false, reason: `"${raw}" has more than ${MAX_E164_DIGITS} digits` };
  return { ok: true, e164 };
}

/** True when the text is already E.164 digits (what a CDR carries). */
export function isE164Digits(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > MAX_E164_DIGITS) return false;
  const first = value.charCodeAt(0);
  if (first < 49 || first > 57) return false;
  for (let i = 1; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
