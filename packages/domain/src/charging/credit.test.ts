import { describe, expect, it } from 'vitest';
import {
  autoRechargeFor,
  autoRechargeProblems,
  availableCredit,
  creditRefusalCode,
  effectiveMode,
  postToBalance,
  rechargesUsed,
  type CreditPolicy,
  type CreditState,
} from './credit.js';

const PREPAID: CreditPolicy = { mode: 'prepaid', postpaidFallback: null, creditLimit: '0', lowBalanceThreshold: '2.00' };
// Seed 001: prepaid credits are used first; at zero, pay-as-you-go moves the customer to postpaid metering.
const PAYG_FALLBACK: CreditPolicy = { ...PREPAID, postpaidFallback: { creditLimit: '50.00' } };
const POSTPAID: CreditPolicy = { mode: 'postpaid', postpaidFallback: null, creditLimit: '100.00', lowBalanceThreshold: '0' };
const RECHARGE_FIXED: CreditPolicy = { ...PREPAID, autoRecharge: { threshold: '5.00', amount: '20.00', maxPerPeriod: 2 } };
const RECHARGE_FILL: CreditPolicy = { ...PREPAID, autoRecharge: { threshold: '5.00', fillTo: '30.00', maxPerPeriod: 1 } };
const RECHARGE_AND_FALLBACK: CreditPolicy = { ...PAYG_FALLBACK, autoRecharge: { threshold: '5.00', amount: '20.00', maxPerPeriod: 1 } };

const prepaid = (balance: string, blocked = false): CreditState => ({ balance, mode: 'prepaid', blocked });
const postpaid = (balance: string, blocked = false): CreditState => ({ balance, mode: 'postpaid', blocked });

describe('postToBalance', () => {
  const cases: {
    name: string;
    policy: CreditPolicy;
    state: CreditState;
    amount: string;
    recharges?: { period: string; count: number };
    balance: string;
    mode: 'prepaid' | 'postpaid';
    blocked: boolean;
    events: string[];
    recharge?: string | null;
  }[] = [
    { name: 'a charge within credit changes only the balance', policy: PREPAID, state: prepaid('10.00'), amount: '-1.50', balance: '8.5', mode: 'prepaid', blocked: false, events: [] },
    { name: 'crossing the low-balance threshold warns once', policy: PREPAID, state: prepaid('3.00'), amount: '-1.00', balance: '2', mode: 'prepaid', blocked: false, events: ['low_balance'] },
    { name: 'already below the threshold: no second warning', policy: PREPAID, state: prepaid('1.90'), amount: '-0.50', balance: '1.4', mode: 'prepaid', blocked: false, events: [] },
    { name: 'prepaid reaching zero without fallback is exhausted and blocked', policy: PREPAID, state: prepaid('0.30'), amount: '-0.30', balance: '0', mode: 'prepaid', blocked: true, events: ['exhausted', 'blocked:no_credit'] },
    { name: 'a rated call is a fact: it goes below zero', policy: PREPAID, state: prepaid('0.10'), amount: '-0.40', balance: '-0.3', mode: 'prepaid', blocked: true, events: ['exhausted', 'blocked:no_credit'] },
    { name: 'a top-up unblocks', policy: PREPAID, state: prepaid('-0.30', true), amount: '10.00', balance: '9.7', mode: 'prepaid', blocked: false, events: ['unblocked:credit_available'] },
    { name: 'a top-up that leaves no credit keeps the block', policy: PREPAID, state: prepaid('-5.00', true), amount: '5.00', balance: '0', mode: 'prepaid', blocked: true, events: [] },
    {
      name: 'seed 001: prepaid reaching zero with pay-as-you-go moves to postpaid with its limit',
      policy: PAYG_FALLBACK,
      state: prepaid('0.50'),
      amount: '-0.80',
      balance: '-0.3',
      mode: 'postpaid',
      blocked: false,
      events: ['exhausted', 'switched_to_postpaid'],
    },
    { name: 'a never-funded prepaid account with fallback moves to postpaid at its first charge', policy: PAYG_FALLBACK, state: prepaid('0'), amount: '-0.10', balance: '-0.1', mode: 'postpaid', blocked: false, events: ['switched_to_postpaid'] },
    { name: 'postpaid fallback at its credit limit is blocked', policy: PAYG_FALLBACK, state: postpaid('-49.00'), amount: '-1.00', balance: '-50', mode: 'postpaid', blocked: true, events: ['blocked:credit_limit_reached'] },
    { name: 'a top-up in postpaid fallback returns the account to prepaid', policy: PAYG_FALLBACK, state: postpaid('-50.00', true), amount: '60.00', balance: '10', mode: 'prepaid', blocked: false, events: ['switched_to_prepaid', 'unblocked:credit_available'] },
    { name: 'a top-up that only pays part of the postpaid usage stays postpaid', policy: PAYG_FALLBACK, state: postpaid('-20.00'), amount: '5.00', balance: '-15', mode: 'postpaid', blocked: false, events: [] },
    { name: 'postpaid within its limit', policy: POSTPAID, state: postpaid('-10.00'), amount: '-5.00', balance: '-15', mode: 'postpaid', blocked: false, events: [] },
    { name: 'postpaid reaching its limit is blocked', policy: POSTPAID, state: postpaid('-99.00'), amount: '-1.00', balance: '-100', mode: 'postpaid', blocked: true, events: ['blocked:credit_limit_reached'] },
    { name: 'a payment below the limit unblocks postpaid', policy: POSTPAID, state: postpaid('-100.00', true), amount: '30.00', balance: '-70', mode: 'postpaid', blocked: false, events: ['unblocked:credit_available'] },
    { name: 'a postpaid policy overrides a stale prepaid mode', policy: POSTPAID, state: prepaid('0'), amount: '-1.00', balance: '-1', mode: 'postpaid', blocked: false, events: [] },
    { name: 'fallback withdrawn: the account is prepaid again and blocked', policy: PREPAID, state: postpaid('-3.00'), amount: '-1.00', balance: '-4', mode: 'prepaid', blocked: true, events: ['blocked:no_credit'] },
    {
      name: 'auto-recharge adds its fixed amount below the threshold and keeps the account prepaid',
      policy: RECHARGE_FIXED,
      state: prepaid('5.50'),
      amount: '-1.00',
      balance: '24.5',
      mode: 'prepaid',
      blocked: false,
      events: ['recharged:20.00'],
      recharge: '20.00',
    },
    { name: 'auto-recharge fills up to its target', policy: RECHARGE_FILL, state: prepaid('5.50'), amount: '-1.25', balance: '30', mode: 'prepaid', blocked: false, events: ['recharged:25.75'], recharge: '25.75' },
    { name: 'at exactly the threshold nothing is recharged (below means below)', policy: RECHARGE_FIXED, state: prepaid('6.00'), amount: '-1.00', balance: '5', mode: 'prepaid', blocked: false, events: [], recharge: null },
    {
      name: 'auto-recharge keeps prepaid even when a charge takes the credit below zero',
      policy: RECHARGE_AND_FALLBACK,
      state: prepaid('0.50'),
      amount: '-0.80',
      balance: '19.7',
      mode: 'prepaid',
      blocked: false,
      events: ['recharged:20.00'],
      recharge: '20.00',
    },
    {
      name: 'the per-period limit reached: no recharge, the fallback applies',
      policy: RECHARGE_AND_FALLBACK,
      state: prepaid('0.50'),
      amount: '-0.80',
      recharges: { period: '2026-10-01', count: 1 },
      balance: '-0.3',
      mode: 'postpaid',
      blocked: false,
      events: ['exhausted', 'switched_to_postpaid'],
      recharge: null,
    },
    {
      name: 'a count from an earlier period does not hold back a recharge',
      policy: RECHARGE_FIXED,
      state: prepaid('5.00'),
      amount: '-1.00',
      recharges: { period: '2026-09-01', count: 2 },
      balance: '24',
      mode: 'prepaid',
      blocked: false,
      events: ['recharged:20.00'],
      recharge: '20.00',
    },
    { name: 'a top-up never triggers a recharge', policy: RECHARGE_FIXED, state: prepaid('1.00'), amount: '1.00', balance: '2', mode: 'prepaid', blocked: false, events: [], recharge: null },
    {
      name: 'limit reached without fallback: the account is exhausted and blocked',
      policy: RECHARGE_FIXED,
      state: prepaid('0.50'),
      amount: '-0.50',
      recharges: { period: '2026-10-01', count: 2 },
      balance: '0',
      mode: 'prepaid',
      blocked: true,
      events: ['exhausted', 'blocked:no_credit'],
      recharge: null,
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const out = postToBalance(c.state, c.policy, c.amount, { period: '2026-10-01', recharges: c.recharges ?? null });
      expect(out.state).toEqual({ balance: c.balance, mode: c.mode, blocked: c.blocked });
      expect(out.events.map((e) => ('reason' in e ? `${e.type}:${e.reason}` : 'amount' in e ? `${e.type}:${e.amount}` : e.type))).toEqual(c.events);
      if (c.recharge !== undefined) expect(out.recharge).toBe(c.recharge);
    });
  }

  it('counts recharges per period', () => {
    const first = postToBalance(prepaid('5.50'), RECHARGE_FIXED, '-1.00', { period: '2026-10-01', recharges: null });
    expect(first.recharges).toEqual({ period: '2026-10-01', count: 1 });
    const second = postToBalance(prepaid('4.00'), RECHARGE_FIXED, '-0.10', { period: '2026-10-01', recharges: first.recharges });
    expect(second.recharges).toEqual({ period: '2026-10-01', count: 2 });
    const third = postToBalance(prepaid('4.00'), RECHARGE_FIXED, '-0.10', { period: '2026-10-01', recharges: second.recharges });
    expect(third.recharge).toBeNull();
    expect(third.recharges).toEqual({ period: '2026-10-01', count: 2 });
  });

  it('keeps the balance right after the posting beside the one after the recharge', () => {
    const out = postToBalance(prepaid('5.50'), RECHARGE_FIXED, '-1.00', { period: '2026-10-01' });
    expect(out.balanceAfterPosting).toBe('4.5');
    expect(out.state.balance).toBe('24.5');
  });
});

describe('availableCredit', () => {
  const cases: { name: string; policy: CreditPolicy; state: CreditState; reserved: string; available: string }[] = [
    { name: 'prepaid: the balance less reservations', policy: PREPAID, state: prepaid('10.00'), reserved: '2.50', available: '7.5' },
    { name: 'prepaid with pay-as-you-go fallback: down to the fallback limit', policy: PAYG_FALLBACK, state: prepaid('10.00'), reserved: '0', available: '60' },
    { name: 'in postpaid fallback', policy: PAYG_FALLBACK, state: postpaid('-20.00'), reserved: '5', available: '25' },
    { name: 'postpaid: down to the credit limit', policy: POSTPAID, state: postpaid('-40.00'), reserved: '10', available: '50' },
    { name: 'negative when postings went past the floor', policy: PREPAID, state: prepaid('-0.30', true), reserved: '0', available: '-0.3' },
  ];
  for (const c of cases) it(c.name, () => expect(availableCredit(c.state, c.policy, c.reserved).toFixed()).toBe(c.available));

  it('names the refusal: no credit for plain prepaid, a limit otherwise (seed 001)', () => {
    expect(creditRefusalCode(prepaid('0'), PREPAID)).toBe('no_credit');
    expect(creditRefusalCode(prepaid('0'), PAYG_FALLBACK)).toBe('credit_limit_reached');
    expect(creditRefusalCode(postpaid('-100'), POSTPAID)).toBe('credit_limit_reached');
  });

  it('derives the mode from the policy', () => {
    expect(effectiveMode(prepaid('1'), POSTPAID)).toBe('postpaid');
    expect(effectiveMode(postpaid('-1'), PAYG_FALLBACK)).toBe('postpaid');
    expect(effectiveMode(postpaid('-1'), PREPAID)).toBe('prepaid');
  });
});

describe('auto-recharge rule', () => {
  const cases: { name: string; policy: CreditPolicy; credit: string; used: number; expected: ReturnType<typeof autoRechargeFor> }[] = [
    { name: 'fixed amount below the threshold', policy: RECHARGE_FIXED, credit: '4.99', used: 0, expected: { recharge: true, amount: '20.00' } },
    { name: 'fill to the target', policy: RECHARGE_FILL, credit: '-2.00', used: 0, expected: { recharge: true, amount: '32.00' } },
    { name: 'at the threshold', policy: RECHARGE_FIXED, credit: '5', used: 0, expected: { recharge: false, reason: 'above_threshold' } },
    { name: 'limit per period reached', policy: RECHARGE_FIXED, credit: '1', used: 2, expected: { recharge: false, reason: 'limit_reached' } },
    { name: 'not configured', policy: PREPAID, credit: '0', used: 0, expected: { recharge: false, reason: 'not_configured' } },
    { name: 'postpaid accounts are not recharged', policy: { ...POSTPAID, autoRecharge: RECHARGE_FIXED.autoRecharge }, credit: '0', used: 0, expected: { recharge: false, reason: 'not_configured' } },
    {
      name: 'a target below the threshold is refused as a setting',
      policy: { ...PREPAID, autoRecharge: { threshold: '10', fillTo: '5', maxPerPeriod: 1 } },
      credit: '1',
      used: 0,
      expected: { recharge: false, reason: 'invalid_setting' },
    },
  ];
  for (const c of cases) it(c.name, () => expect(autoRechargeFor(c.policy, c.credit, c.used)).toEqual(c.expected));

  it('explains a bad setting', () => {
    expect(autoRechargeProblems({ threshold: '5', maxPerPeriod: 1 })).toEqual(['auto-recharge needs exactly one of amount (a fixed top-up) or fillTo (a target balance)']);
    expect(autoRechargeProblems({ threshold: '5', amount: '1', fillTo: '9', maxPerPeriod: 0 })).toHaveLength(2);
    expect(autoRechargeProblems({ threshold: '5', fillTo: '5', maxPerPeriod: 3 })).toEqual([]);
  });

  it('counts only the period asked about', () => {
    expect(rechargesUsed({ period: '2026-10-01', count: 3 }, '2026-10-01')).toBe(3);
    expect(rechargesUsed({ period: '2026-09-01', count: 3 }, '2026-10-01')).toBe(0);
    expect(rechargesUsed(null, '2026-10-01')).toBe(0);
  });
});
