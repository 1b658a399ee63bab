// Hand-written ISO-8601 parsing and civil-date arithmetic: the rating hot path cannot afford a date library
// per CDR, and these few formulas are exact.

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** The date of a day count since 1970-01-01. */
export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** "2024-03-01" -> days since epoch; NaN if malformed. */
export function parseIsoDateDays(text: string): number {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  return daysFromCivil(year, month, day);
}

export function formatIsoDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    value = value * 10 + c;
  }
  return value;
}

/** Two digits at i, or NaN. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
}

// The day count of the date seen last: a stream of CDRs mostly repeats the date.
let lastDateKey = -1;
let lastDateDays = 0;

/** "YYYY-MM-DDTHH:MM:SS" then "Z" (n = 20) or "+HH:MM"/"-HH:MM" (n = 25); NaN when not exactly that form. */
function parseSecondsForm(text: string, n: number): number {
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58) return Number.NaN;
  // Every character read once; a digit d is valid when both d and 9 - d are >= 0, so one sign test of the OR of
  // them all checks the fourteen digits (no branch per digit).
  const y0 = text.charCodeAt(0) - 48;
  const y1 = text.charCodeAt(1) - 48;
  const y2 = text.charCodeAt(2) - 48;
  const y3 = text.charCodeAt(3) - 48;
  const mo0 = text.charCodeAt(5) - 48;
  const mo1 = text.charCodeAt(6) - 48;
  const d0 = text.charCodeAt(8) - 48;
  const d1 = text.charCodeAt(9) - 48;
  const h0 = text.charCodeAt(11) - 48;
  const h1 = text.charCodeAt(12) - 48;
  const mi0 = text.charCodeAt(14) - 48;
  const mi1 = text.charCodeAt(15) - 48;
  const s0 = text.charCodeAt(17) - 48;
  const s1 = text.charCodeAt(18) - 48;
  if ((y0 | (9 - y0) | y1 | (9 - y1) | y2 | (9 - y2) | y3 | (9 - y3) | mo0 | (9 - mo0) | mo1 | (9 - mo1) | d0 | (9 - d0) | d1 | (9 - d1) | h0 | (9 - h0) | h1 | (9 - h1) | mi0 | (9 - mi0) | mi1 | (9 - mi1) | s0 | (9 - s0) | s1 | (9 - s1)) < 0) return Number.NaN;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = mo0 * 10 + mo1;
  const day = d0 * 10 + d1;
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  let offsetMinutes: number;
  if (n === 20) {
    const z = text.charCodeAt(19);
    if (z !== 90 && z !== 122) return Number.NaN;
    offsetMinutes = 0;
  } else {
    const sign = text.charCodeAt(19);
    if ((sign !== 43 && sign !== 45) || text.charCodeAt(22) !== 58) return Number.NaN;
    const oh = two(text, 20);
    const om = two(text, 23);
    if (!(oh <= 23 && om <= 59)) return Number.NaN;
    offsetMinutes = sign === 45 ? -(oh * 60 + om) : oh * 60 + om;
  }
  if (!(month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) return Number.NaN;
  const key = (year * 100 + month) * 100 + day;
  let days: number;
  if (key === lastDateKey) days = lastDateDays;
  else {
    if (!(day <= daysInMonth(year, month))) return Number.NaN;
    days = daysFromCivil(year, month, day);
    lastDateKey = key;
    lastDateDays = days;
  }
  return days * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000;
}

/**
 * Milliseconds since the epoch of "YYYY-MM-DDTHH:MM[:SS[.fff...]](Z|+HH:MM|-HH:MM)"; NaN when the text is not
 * in that form or has no offset (a CDR time without a zone is ambiguous and is rejected, not guessed).
 */
export function parseInstantMs(text: string): number {
  const n = text.length;
  // What switches and ingestion write: "YYYY-MM-DDTHH:MM:SSZ" or "...SS+HH:MM"; read without loops.
  if ((n === 20 || n === 25) && text.charCodeAt(10) === 84 && text.charCodeAt(16) === 58) {
    const ms = parseSecondsForm(text, n);
    if (ms === ms) return ms;
  }
  if (n < 17 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(13) !== 58) return Number.NaN;
  const t = text.charCodeAt(10);
  if (t !== 84 && t !== 116 && t !== 32) return Number.NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  let i = 16;
  let second = 0;
  let ms = 0;
  if (i < n && text.charCodeAt(i) === 58) {
    second = digits(text, 17, 2);
    i = 19;
    if (i < n && text.charCodeAt(i) === 46) {
      i++;
      let scale = 100;
      const start = i;
      while (i < n) {
        const c = text.charCodeAt(i) - 48;
        if (c < 0 || c > 9) break;
        ms += c * scale;
        scale /= 10;
        i++;
      }
      if (i === start) return Number.NaN;
      ms = Math.floor(ms);
    }
  }
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59)) return Number.NaN;
  let offsetMinutes: number;
  if (i === n - 1 && (text.charCodeAt(i) === 90 || text.charCodeAt(i) === 122)) {
    offsetMinutes = 0;
  } else if (i === n - 6 && text.charCodeAt(i + 3) === 58) {
    const sign = text.charCodeAt(i);
    if (sign !== 43 && sign !== 45) return Number.NaN;
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (!(oh <= 23 && om <= 59)) return Number.NaN;
    offsetMinutes = (sign === 45 ? -1 : 1) * (oh * 60 + om);
  } else {
    return Number.NaN;
  }
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + ms;
}
