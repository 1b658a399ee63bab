import type { Increments } from '../catalogue/schema.js';

/**
 * The billed duration of a whole event: the minimum first, then the initial increment, then whole subsequent
 * increments. 61 s -> 120 s at 60/60, 61 s -> 66 s at 30/6 (30 + 6 x ceil(31/6)), 61 s -> 61 s at 1/1.
 * An event of 0 units bills 0 (the connect fee still applies to an answered call).
 */
export function billedUnits(units: number, increments: Increments, minimum = 0): number {
  if (units <= 0) return 0;
  const effective = units < minimum ? minimum : units;
  const { initial, subsequent } = increments;
  if (effective <= initial) return initial;
  return initial + subsequent * Math.ceil((effective - initial) / subsequent);
}
