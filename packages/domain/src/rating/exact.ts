// Exact integer arithmetic and decimal text for the fast engine. Prices are integers of millionths of the
// currency unit (the catalogue allows at most 6 decimals); an amount is a rational num/den of millionths with
// both parts safe integers. Every operation that could leave the safe-integer range throws OUT_OF_RANGE, and
// the engine then hands the CDR to the decimal reference: results are exact or not produced here at all.
// The text functions write digits with integer arithmetic (no decimal library, no float formatting); they
// produce exactly what money.ts's formatPrecise / formatAmount produce for the same value (a test pins it).

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Thrown when exact integer arithmetic would overflow; the CDR then goes to the decimal reference. */
export class OutOfRange extends Error {}
export const OUT_OF_RANGE = new OutOfRange('out of safe-integer range');

export function mul(a: number, b: number): number {
  const r = a * b;
  if (r > MAX_SAFE) throw OUT_OF_RANGE;
  return r;
}

export function add(a: number, b: number): number {
  const r = a + b;
  if (r > MAX_SAFE) throw OUT_OF_RANGE;
  return r;
}

export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/**
 * The denominator a running sum num/den plus a/aDen is kept over: den when they agree, aDen while the sum is
 * still 0, otherwise their least common multiple. With addOver: sum amounts without allocating a rational.
 */
export function sumDenominator(num: number, den: number, aDen: number): number {
  if (aDen === den) return den;
  if (num === 0) return aDen;
  return mul(den / gcd(den, aDen), aDen);
}

/** num/den + a/aDen as a numerator over `to`, a common multiple of both (from sumDenominator). */
export function addOver(num: number, den: number, a: number, aDen: number, to: number): number {
  return add(to === den ? num : mul(num, to / den), to === aDen ? a : mul(a, to / aDen));
}

/** "0.0250" -> 25000 millionths. The catalogue guarantees at most 6 decimals. */
export function decimalTextToMicros(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return mul(Number(text), 1_000_000);
  const frac = `${text.slice(dot + 1)}000000`.slice(0, 6);
  return add(mul(Number(text.slice(0, dot)), 1_000_000), Number(frac));
}

/** Rounding modes as small integers (the order of money.ts's ROUNDING_MODES). */
export const MODE_INDEX: Readonly<Record<'half_up' | 'half_even' | 'up' | 'down', number>> = { half_up: 0, half_even: 1, up: 2, down: 3 };

/** num / den rounded to an integer (num, den >= 0) in a MODE_INDEX mode. */
export function roundDiv(num: number, den: number, mode: number): number {
  const q = Math.floor(num / den);
  const r = num - q * den;
  if (r === 0) return q;
  switch (mode) {
    case 0:
      return 2 * r >= den ? q + 1 : q;
    case 1:
      return 2 * r > den || (2 * r === den && q % 2 === 1) ? q + 1 : q;
    case 2:
      return q + 1;
    default:
      return q;
  }
}

export const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000];

// Character codes of the text being written; String.fromCharCode with a fixed argument count builds a flat
// string in one allocation, which is several times cheaper than concatenating pieces or formatting a double.
const codes = new Int32Array(40);

function textOf(n: number): string {
  const c = codes;
  switch (n) {
    case 1:
      return String.fromCharCode(c[0]!);
    case 2:
      return String.fromCharCode(c[0]!, c[1]!);
    case 3:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!);
    case 4:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!);
    case 5:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!);
    case 6:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!);
    case 7:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!);
    case 8:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!);
    case 9:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!);
    case 10:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!);
    case 11:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!);
    case 12:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!);
    case 13:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!);
    case 14:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!);
    case 15:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!);
    case 16:
      return String.fromCharCode(c[0]!, c[1]!, c[2]!, c[3]!, c[4]!, c[5]!, c[6]!, c[7]!, c[8]!, c[9]!, c[10]!, c[11]!, c[12]!, c[13]!, c[14]!, c[15]!);
    default: {
      let s = '';
      for (let i = 0; i < n; i++) s += String.fromCharCode(c[i]!);
      return s;
    }
  }
}

/** Writes the decimal digits of a non-negative safe integer at codes[at..]; returns the position after them. */
function putInteger(x: number, at: number): number {
  if (x < 10) {
    codes[at] = 48 + x;
    return at + 1;
  }
  let n = 1;
  for (let y = Math.floor(x / 10); y >= 1; y = Math.floor(y / 10)) n++;
  for (let i = at + n - 1; i >= at; i--) {
    const q = Math.floor(x / 10);
    codes[i] = 48 + (x - q * 10);
    x = q;
  }
  return at + n;
}

/** Writes exactly `places` digits of 0 <= x < 10^places (int32 range) at codes[at..]. */
function putPadded(x: number, at: number, places: number): void {
  let v = x | 0;
  for (let i = at + places - 1; i >= at; i--) {
    const q = (v / 10) | 0;
    codes[i] = 48 + v - q * 10;
    v = q;
  }
}

/** An integer count of 10^-places as fixed-point text (250, 4 -> "0.0250"); units >= 0, places 0..6. */
export function fixedText(units: number, places: number): string {
  if (places === 0) return textOf(putInteger(units, 0));
  const scale = POW10[places]!;
  const int = Math.floor(units / scale);
  const n = putInteger(int, 0);
  codes[n] = 46;
  putPadded(units - int * scale, n + 1, places);
  return textOf(n + 1 + places);
}

// Texts of recent values, direct-mapped by (num, den): calls repeat the same amounts (a price times a common
// duration) about half of the time, and a hit costs no division and no new string.
const CACHE_BITS = 13;
const cachedNum = new Float64Array(1 << CACHE_BITS).fill(-1);
const cachedDen = new Float64Array(1 << CACHE_BITS);
const cachedText: string[] = new Array<string>(1 << CACHE_BITS).fill('');

/**
 * The precise text of num/den millionths (num >= 0, den >= 1): rounded half-up at 10 decimals, trailing zeros
 * dropped, "0" for zero (as money.ts's formatPrecise).
 */
export function preciseText(num: number, den: number): string {
  if (num === 0) return '0';
  const slot = Math.imul((num | 0) ^ Math.imul(den | 0, 0x85ebca6b), 0x9e3779b1) >>> (32 - CACHE_BITS);
  if (cachedNum[slot] === num && cachedDen[slot] === den) return cachedText[slot]!;
  const text = formatPrecise(num, den);
  cachedNum[slot] = num;
  cachedDen[slot] = den;
  cachedText[slot] = text;
  return text;
}

function formatPrecise(num: number, den: number): string {
  let q: number;
  let extra = 0; // the 7th to 10th decimals, in 1e-10
  if (den === 1) q = num;
  else {
    q = Math.floor(num / den);
    let r = num - q * den;
    if (r !== 0) {
      if (r > MAX_SAFE / 10_000) throw OUT_OF_RANGE;
      r *= 10_000;
      extra = Math.floor(r / den);
      r -= extra * den;
      if (2 * r >= den && ++extra === 10_000) {
        q += 1;
        extra = 0;
      }
    }
  }
  const int = Math.floor(q / 1_000_000);
  const micro = q - int * 1_000_000;
  if (micro === 0 && extra === 0) return int === 0 ? '0' : textOf(putInteger(int, 0));
  const n = putInteger(int, 0);
  codes[n] = 46;
  putPadded(micro, n + 1, 6);
  putPadded(extra, n + 7, 4);
  let end = n + 10;
  while (codes[end] === 48) end--;
  return textOf(end + 1);
}
