import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '@rcp/domain';
import { ApiError } from '../http/errors.js';
import { TEST_CATALOGUE } from '../testing/catalogue.js';
import { classifyChange, needsBackoffice, offerOrRefuse, planActivation, planModify, planOfferChange, type Package } from './packages.js';

const version = parseCatalogue(TEST_CATALOGUE).versions[0]!;
const offer = (id: string) => offerOrRefuse(version, id);
const pkg = (id: string, channels?: number): Package => ({ offer: offer(id), channels: channels ?? offer(id).channels.count });

function refusal(fn: () => unknown): { status: number; code: string; message: string } {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('a new line', () => {
  it('starts on the pay-as-you-go offer with its default channels when no offer is named (seed 000)', () => {
    const p = planActivation(version, {}, 3);
    expect([p.offer.id, p.channels]).toEqual(['payg', 4]);
  });

  it('takes the channels asked for on an offer that does not fix them', () => {
    expect(planActivation(version, { offerId: 'payg', channels: 10 }, 1).channels).toBe(10);
  });

  it('refuses a single-number offer on a line with two numbers', () => {
    expect(refusal(() => planActivation(version, { offerId: 'flat-business' }, 2))).toMatchObject({ status: 422, code: 'single_number_offer' });
  });

  it('refuses channels other than those a FLAT Business fixes, and says why', () => {
    const r = refusal(() => planActivation(version, { offerId: 'flat-business', channels: 3 }, 1));
    expect(r).toMatchObject({ status: 422, code: 'channels_fixed_by_offer' });
    expect(r.message).toContain('fixes the line at 2 channel(s)');
    expect(planActivation(version, { offerId: 'flat-business', channels: 2 }, 1).channels).toBe(2);
  });

  it('refuses an offer the catalogue does not have', () => {
    expect(refusal(() => planActivation(version, { offerId: 'nope' }, 1))).toMatchObject({ code: 'unknown_offer' });
  });
});

describe('modify: flat on/off and channels', () => {
  const line = { paygOfferId: 'payg', numberCount: 1 };

  it.each([
    ['flat on', pkg('payg', 6), { flat: { offerId: 'flat-business' } }, 'flat-business', 2, 'upgrade'],
    ['flat off', pkg('flat-business'), { flat: null }, 'payg', 4, 'downgrade'],
    ['channels up on payg', pkg('payg', 4), { channels: 8 }, 'payg', 8, 'modify'],
    ['flat-to-customer on, channels kept', pkg('payg', 6), { flat: { offerId: 'flat-per-use' } }, 'flat-per-use', 6, 'upgrade'],
  ] as const)('%s', (_name, current, request, offerId, channels, change) => {
    const next = planModify(version, current, request, line);
    expect([next.offer.id, next.channels, next.change]).toEqual([offerId, channels, change]);
  });

  it.each([
    ['channels on a FLAT Business', pkg('flat-business'), { channels: 4 }, 422, 'channels_fixed_by_offer'],
    ['a pay-as-you-go offer as the flat', pkg('payg'), { flat: { offerId: 'payg' } }, 422, 'not_a_flat_offer'],
    ['flat off on a pay-as-you-go line', pkg('payg'), { flat: null }, 422, 'flat_already_off'],
    ['nothing', pkg('payg'), {}, 422, 'nothing_to_modify'],
    ['the same channels', pkg('payg', 4), { channels: 4 }, 422, 'no_change'],
    ['flat off to a flat offer', pkg('flat-per-use'), { flat: null, paygOfferId: 'flat-business' }, 422, 'not_a_payg_offer'],
  ] as const)('refuses %s', (_name, current, request, status, code) => {
    expect(refusal(() => planModify(version, current, request, line))).toMatchObject({ status, code });
  });

  it('refuses flat on to a single-number offer while the line has two numbers', () => {
    expect(refusal(() => planModify(version, pkg('payg'), { flat: { offerId: 'flat-business' } }, { paygOfferId: 'payg', numberCount: 2 }))).toMatchObject({ code: 'single_number_offer' });
  });
});

describe('package changes', () => {
  it.each([
    ['payg', 'flat-business', 'upgrade'], // 0 -> 29 a month
    ['flat-business', 'flat-business-small', 'downgrade'], // 29 -> 19
    ['flat-business', 'payg', 'downgrade'],
    ['flat-per-use', 'flat-business', 'upgrade'],
    ['sms-bundle', 'sms-bundle', 'change'],
  ] as const)('%s -> %s is a %s', (from, to, kind) => {
    expect(classifyChange(offer(from), offer(to))).toBe(kind);
  });

  it('a FLAT Business downgrade needs the back-office; its upgrade and other downgrades do not', () => {
    expect(needsBackoffice(offer('flat-business'), 'downgrade')).toBe(true);
    expect(needsBackoffice(offer('flat-business'), 'upgrade')).toBe(false);
    expect(needsBackoffice(offer('flat-per-use'), 'downgrade')).toBe(false);
  });

  it('moving off a fixed-channel flat gives the new offer its default channels', () => {
    const next = planOfferChange(version, pkg('flat-business'), { offerId: 'payg' }, 1);
    expect([next.offer.id, next.channels, next.change]).toEqual(['payg', 4, 'downgrade']);
  });

  it('refuses the package the line already has', () => {
    expect(refusal(() => planOfferChange(version, pkg('payg', 4), { offerId: 'payg' }, 1))).toMatchObject({ code: 'no_change' });
  });
});
