// Money: decimal arithmetic only. Amounts stay at full precision until they are final, are rounded once,
// and the precise value is kept beside the rounded one.
import DecimalJs from 'decimal.js';

/** A Decimal constructor of our own, so nobody else's global configuration can change our results. */
export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Decimal = InstanceType<typeof Decimal>;

export type RoundingMode = 'half_up' | 'half_even' | 'up' | 'down';
export const ROUNDING_MODES: readonly RoundingMode[] = ['half_up', 'half_even', 'up', 'down'];

export interface Rounding {
  /** Decimal places kept (0..6). */
  readonly precision: number;
  readonly mode: RoundingMode;
}

/** The default for per-event amounts: 4 decimals, half-up (DOMAIN.md, "Rounding"). */
export const DEFAULT_ROUNDING: Rounding = { precision: 4, mode: 'half_up' };

/**
 * Decimal places at which a "precise" amount is shown. A per-second price (0.01 per minute / 60) has no
 * finite decimal expansion, so "precise" is the exact value rounded half-up at this many places.
 */
export const PRECISE_DECIMALS = 10;

const DECIMAL_MODE: Record<RoundingMode, DecimalJs.Rounding> = {
  half_up: DecimalJs.ROUND_HALF_UP,
  half_even: DecimalJs.ROUND_HALF_EVEN,
  up: DecimalJs.ROUND_UP,
  down: DecimalJs.ROUND_DOWN,
};

export type DecimalInput = Decimal | string | number | bigint;

/** A Decimal from a string, an integer or another Decimal. */
export function dec(value: DecimalInput): Decimal {
  if (typeof value === 'bigint') return new Decimal(value.toString());
  return new Decimal(value);
}

/** Rounds to `precision` decimal places with the given mode ('up'/'down' are away from/towards zero). */
export function roundAmount(value: DecimalInput, rounding: Rounding = DEFAULT_ROUNDING): Decimal {
  return dec(value).toDecimalPlaces(rounding.precision, DECIMAL_MODE[rounding.mode]);
}

/** Fixed-point text with exactly `precision` decimals, e.g. "0.0250". */
export function formatAmount(value: DecimalInput, rounding: Rounding = DEFAULT_ROUNDING): string {
  return roundAmount(value, rounding).toFixed(rounding.precision);
}

/** The precise text of an exact value: rounded half-up at PRECISE_DECIMALS, trailing zeros dropped. */
export function formatPrecise(value: DecimalInput): string {
  const d = dec(value).toDecimalPlaces(PRECISE_DECIMALS, DecimalJs.ROUND_HALF_UP);
  return d.isZero() ? '0' : d.toFixed();
}

/** Decimal places of ISO 4217 currencies that are not the usual 2. */
const MINOR_UNIT_EXCEPTIONS: Readonly<Record<string, number>> = {
  JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0, XAF: 0, XOF: 0, HUF: 2,
  BHD: 3, JOD: 3, KWD: 3, OMR: 3, TND: 3,
};

/** Decimal places of a currency's minor unit (EUR 2, JPY 0, KWD 3). */
export function currencyMinorUnits(currency: string): number {
  return MINOR_UNIT_EXCEPTIONS[currency] ?? 2;
}

/** Rounds an amount to the currency's minor unit (invoice lines), half-up unless told otherwise. */
export function roundToMinorUnit(value: DecimalInput, currency: string, mode: RoundingMode = 'half_up'): Decimal {
  return roundAmount(value, { precision: currencyMinorUnits(currency), mode });
}

/** An amount as an exact integer count of minor units (12.34 EUR -> 1234n); throws if not exact. */
export function toMinorUnits(value: DecimalInput, currency: string): bigint {
  const scaled = dec(value).times(new Decimal(10).pow(currencyMinorUnits(currency)));
  if (!scaled.isInteger()) throw new RangeError(`${dec(value).toFixed()} ${currency} is not a whole number of minor units`);
  return BigInt(scaled.toFixed(0));
}

/** Minor units back to a decimal amount (1234n EUR -> 12.34). */
export function fromMinorUnits(minor: bigint | number, currency: string): Decimal {
  return dec(typeof minor === 'number' ? BigInt(minor) : minor).dividedBy(new Decimal(10).pow(currencyMinorUnits(currency)));
}

/** Sum of decimals (an empty sum is 0). */
export function sumAmounts(values: readonly DecimalInput[]): Decimal {
  let total = new Decimal(0);
  for (const v of values) total = total.plus(dec(v));
  return total;
}
