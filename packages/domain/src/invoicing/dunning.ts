// Dunning (seed 004): reminders before the due date, overdue after it, suspension after N unpaid days,
// termination after M; paying unblocks a suspended account (a terminated one stays terminated). Time is an
// explicit `asOf` date, so a run can be replayed and tests never wait for days to pass.
import { dec, type DecimalInput } from '../money.js';
import type { DunningPolicy } from './config.js';
import { daysBetween } from './dates.js';

export type DunningStep =
  | { readonly kind: 'reminder'; readonly key: string; readonly daysBeforeDue: number }
  | { readonly kind: 'overdue'; readonly key: 'overdue'; readonly daysOverdue: number }
  | { readonly kind: 'suspend'; readonly key: 'suspend'; readonly daysOverdue: number }
  | { readonly kind: 'terminate'; readonly key: 'terminate'; readonly daysOverdue: number };

/**
 * The dunning steps an unpaid invoice has reached on `asOf` (the caller records each key once and acts on
 * the new ones). Only the latest reminder window reached is returned: a run that comes late sends one
 * reminder, not every one it missed; none once the due date has passed.
 */
export function dunningStepsDue(input: { dueDate: string; asOf: string; amountDue: DecimalInput; policy: DunningPolicy }): DunningStep[] {
  if (!dec(input.amountDue).greaterThan(0)) return [];
  const overdue = daysBetween(input.dueDate, input.asOf);
  const steps: DunningStep[] = [];
  if (overdue < 0) {
    const reached = input.policy.reminderDaysBeforeDue.filter((n) => overdue >= -n).sort((a, b) => a - b)[0];
    if (reached !== undefined) steps.push({ kind: 'reminder', key: `reminder:${reached}`, daysBeforeDue: reached });
    return steps;
  }
  if (overdue >= 1) steps.push({ kind: 'overdue', key: 'overdue', daysOverdue: overdue });
  if (overdue >= input.policy.suspendAfterDays) steps.push({ kind: 'suspend', key: 'suspend', daysOverdue: overdue });
  if (overdue >= input.policy.terminateAfterDays) steps.push({ kind: 'terminate', key: 'terminate', daysOverdue: overdue });
  return steps;
}

export type DunningStanding = 'active' | 'suspended' | 'terminated';

/**
 * Where an account stands on `asOf` from its open invoices: terminated (for good) once any invoice is M days
 * past due and unpaid, suspended while any is N days past due and unpaid, active otherwise.
 */
export function accountStanding(input: {
  current: DunningStanding;
  invoices: readonly { dueDate: string; amountDue: DecimalInput }[];
  asOf: string;
  policy: DunningPolicy;
}): DunningStanding {
  if (input.current === 'terminated') return 'terminated';
  let standing: DunningStanding = 'active';
  for (const inv of input.invoices) {
    if (!dec(inv.amountDue).greaterThan(0)) continue;
    const overdue = daysBetween(inv.dueDate, input.asOf);
    if (overdue >= input.policy.terminateAfterDays) return 'terminated';
    if (overdue >= input.policy.suspendAfterDays) standing = 'suspended';
  }
  return standing;
}
