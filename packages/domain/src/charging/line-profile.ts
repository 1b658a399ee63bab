// What the rating engine needs to know about a line, from the account as account.events carries it. Credit
// control prices a call exactly as rating will, so both must build the profile the same way: this is the
// shared mapping (rating's services/rating/src/rating/line-profile.ts should import it; see docs/charging.md).
import type { LineProfile } from '../rating/types.js';

/** The parts of an account.events account state the profile is made from. */
export interface ProfiledAccount {
  readonly partnerId: string | null;
  readonly timezone: string;
  readonly country: string;
  readonly billing: { readonly anchorDay: number };
}

export interface ProfiledLine {
  readonly offerId: string;
  readonly activeFrom: string;
  readonly closedUserGroups: readonly string[];
}

export function lineProfileOf(account: ProfiledAccount, line: ProfiledLine): LineProfile {
  return {
    offerId: line.offerId,
    partnerId: account.partnerId,
    timeZone: account.timezone,
    countryCode: account.country,
    subscriptionStart: line.activeFrom.slice(0, 10),
    cycleAnchorDay: account.billing.anchorDay,
    cugs: line.closedUserGroups,
  };
}
