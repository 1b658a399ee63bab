import type { AccountUpserted } from '@rcp/contracts';

/**
 * The demo's customers (for `npm start`): three accounts on the sample catalogue's offers, a reseller's
 * prepaid pay-as-you-go customer, a FLAT Business line and a direct customer on a custom recipe.
 */
export const DEMO_PERIOD = { periodKey: '2026-10-01', from: Date.UTC(2026, 9, 1), days: 31 };

export const DEMO_SWITCH = { id: 'demo-asterisk', apiKey: 'demo-switch-key-0123456789', country: '39', timeZone: 'Europe/Rome' };

const at = '2026-09-30T00:00:00Z';
const billing = { cycle: 'monthly' as const, anchorDay: 1, taxRate: '0.22', paymentTermDays: 14 };

export const DEMO_ACCOUNTS: (AccountUpserted & { topUp: string | null })[] = [
  {
    v: 1, type: 'account.upserted', eventId: 'demo-rossi-1', at, accountId: 'ACC-ROSSI', partnerId: 'acme-tel', name: 'Studio Rossi',
    country: '39', timezone: 'Europe/Rome', currency: 'EUR', billing,
    credit: { mode: 'prepaid', postpaidFallback: { creditLimit: '50.00' }, creditLimit: '0', autoRecharge: null, lowBalanceThreshold: '5.00' },
    lines: [{ lineId: 'L-ROSSI-1', numbers: ['390612345678'], accountCodes: ['1001'], offerId: 'payg', channels: 4, activeFrom: '2026-01-01', activeTo: null, closedUserGroups: [] }],
    topUp: '30.00',
  },
  {
    v: 1, type: 'account.upserted', eventId: 'demo-bianchi-1', at, accountId: 'ACC-BIANCHI', partnerId: 'acme-tel', name: 'Bianchi Logistica',
    country: '39', timezone: 'Europe/Rome', currency: 'EUR', billing,
    credit: { mode: 'postpaid', postpaidFallback: null, creditLimit: '500.00', autoRecharge: null, lowBalanceThreshold: '0' },
    lines: [{ lineId: 'L-BIANCHI-1', numbers: ['390287654321'], accountCodes: ['1002'], offerId: 'flat-business', channels: 2, activeFrom: '2026-01-01', activeTo: null, closedUserGroups: [] }],
    topUp: null,
  },
  {
    v: 1, type: 'account.upserted', eventId: 'demo-verdi-1', at, accountId: 'ACC-VERDI', partnerId: null, name: 'Verdi & Figli',
    country: '39', timezone: 'Europe/Rome', currency: 'EUR', billing,
    credit: { mode: 'postpaid', postpaidFallback: null, creditLimit: '1000.00', autoRecharge: null, lowBalanceThreshold: '0' },
    lines: [{ lineId: 'L-VERDI-1', numbers: ['390511234567'], accountCodes: ['1003'], offerId: 'recipe-office', channels: 8, activeFrom: '2026-10-10', activeTo: null, closedUserGroups: [] }],
    topUp: null,
  },
];

/** A small deterministic PRNG (mulberry32): the demo month is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DESTINATIONS = ['+39 06 5551234', '0287651111', '3471234567', '+44 20 7946 0000', '+447700900123', '+33 1 4000 0000', '+49 30 1234567', '+1 212 555 0100'];

export type DemoCdr = {
  recordId: string;
  accountCode: string;
  service: 'voice' | 'sms';
  direction: 'outbound';
  callingNumber: string;
  calledNumber: string;
  startTime: string;
  answerTime: string | null;
  endTime: string | null;
  billableUnits: number;
  disposition: 'answered' | 'busy' | 'no_answer' | 'failed';
};

/** A month of CDRs for the demo accounts, in start-time order, with a few unanswered calls and SMS. */
export function demoMonthCdrs(perAccount = 120): DemoCdr[] {
  const rnd = prng(20261001);
  const out: DemoCdr[] = [];
  for (const account of DEMO_ACCOUNTS) {
    const line = account.lines[0]!;
    const firstDay = Math.max(DEMO_PERIOD.from, Date.parse(`${line.activeFrom}T00:00:00Z`));
    const span = DEMO_PERIOD.from + DEMO_PERIOD.days * 86_400_000 - firstDay;
    for (let i = 0; i < perAccount; i++) {
      const start = firstDay + Math.floor(rnd() * (span - 3_600_000));
      const sms = rnd() < 0.1;
      const roll = rnd();
      const disposition = sms ? 'answered' : roll < 0.08 ? 'no_answer' : roll < 0.12 ? 'busy' : 'answered';
      const seconds = disposition === 'answered' && !sms ? 5 + Math.floor(rnd() * rnd() * 900) : 0;
      const startIso = new Date(start).toISOString();
      out.push({
        recordId: `${line.lineId}-${String(i).padStart(5, '0')}`,
        accountCode: line.accountCodes[0]!,
        service: sms ? 'sms' : 'voice',
        direction: 'outbound',
        callingNumber: `+${line.numbers[0]}`,
        calledNumber: sms ? '+39 347 1234567' : DESTINATIONS[Math.floor(rnd() * DESTINATIONS.length)]!,
        startTime: startIso,
        answerTime: disposition === 'answered' && !sms ? new Date(start + 4000).toISOString() : null,
        endTime: sms ? startIso : new Date(start + 4000 + seconds * 1000).toISOString(),
        billableUnits: sms ? 1 : seconds,
        disposition,
      });
    }
  }
  return out.sort((a, b) => a.startTime.localeCompare(b.startTime));
}
