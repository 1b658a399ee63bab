import type { AccountUpserted } from '@rcp/contracts';
import type { LineProfile } from '@rcp/domain';

/** What the rating engine needs to know about a line, from the account as account.events has it. */
export function lineProfileOf(account: AccountUpserted, line: AccountUpserted['lines'][number]): LineProfile {
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
