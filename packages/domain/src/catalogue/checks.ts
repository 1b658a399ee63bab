// Rules that relate catalogue fields to each other: references, uniqueness, overlaps, coverage.
import type { Catalogue, CatalogueVersion, PriceList } from './schema.js';
import { WEEKDAYS } from './schema.js';
import { formatPath, type CatalogueIssue } from './errors.js';
import { parseInstantMs } from '../time/instant.js';
import { Decimal } from '../money.js';

type Report = (path: readonly PropertyKey[], message: string) => void;

export function checkCatalogue(catalogue: Catalogue): CatalogueIssue[] {
  const issues: CatalogueIssue[] = [];
  const report: Report = (path, message) => issues.push({ path: formatPath(path), message });

  duplicates(catalogue.versions.map((v) => v.version), (i, id) => report(['versions', i, 'version'], `duplicate version "${id}"`));

  const spans = catalogue.versions.map((v, i) => ({
    i,
    from: parseInstantMs(v.effectiveFrom),
    to: v.effectiveTo === undefined ? Number.POSITIVE_INFINITY : parseInstantMs(v.effectiveTo),
  }));
  for (const s of spans) {
    if (s.to <= s.from) report(['versions', s.i, 'effectiveTo'], 'effectiveTo must be later than effectiveFrom');
  }
  const ordered = [...spans].sort((a, b) => a.from - b.from);
  for (let k = 1; k < ordered.length; k++) {
    const prev = ordered[k - 1]!;
    const next = ordered[k]!;
    if (next.from === prev.from) {
      report(['versions', next.i, 'effectiveFrom'], `starts at the same instant as versions[${prev.i}]`);
    } else if (Number.isFinite(prev.to) && prev.to > next.from) {
      report(['versions', prev.i, 'effectiveTo'], `overlaps versions[${next.i}], which starts at ${catalogue.versions[next.i]!.effectiveFrom}`);
    }
  }

  catalogue.versions.forEach((version, i) => checkVersion(version, (path, message) => report(['versions', i, ...path], message)));
  return issues;
}

function duplicates(ids: readonly string[], onDuplicate: (index: number, id: string) => void): void {
  const seen = new Set<string>();
  ids.forEach((id, index) => {
    if (seen.has(id)) onDuplicate(index, id);
    seen.add(id);
  });
}

function checkVersion(v: CatalogueVersion, report: Report): void {
  // Destinations: unique ids, and each prefix in exactly one place so the longest match is unambiguous.
  duplicates(v.destinations.map((d) => d.id), (i, id) => report(['destinations', i, 'id'], `duplicate destination "${id}"`));
  const prefixOwner = new Map<string, string>();
  v.destinations.forEach((d, i) => {
    const own = new Set<string>();
    d.prefixes.forEach((p, j) => {
      if (own.has(p)) report(['destinations', i, 'prefixes', j], `duplicate prefix "${p}" in destination "${d.id}"`);
      else if (prefixOwner.has(p)) report(['destinations', i, 'prefixes', j], `prefix "${p}" already belongs to destination "${prefixOwner.get(p)}"`);
      own.add(p);
      if (!prefixOwner.has(p)) prefixOwner.set(p, d.id);
    });
  });
  const destinationIds = new Set(v.destinations.map((d) => d.id));
  const services = new Set(v.services.map((s) => s.id));
  duplicates(v.services.map((s) => s.id), (i, id) => report(['services', i, 'id'], `duplicate service "${id}"`));

  // Time bands: unique ids, sane windows, the whole week covered, holidays point at bands.
  const tb = v.timeBands;
  duplicates(tb.bands.map((b) => b.id), (i, id) => report(['timeBands', 'bands', i, 'id'], `duplicate band "${id}"`));
  const bandIds = new Set(tb.bands.map((b) => b.id));
  const covered = new Uint8Array(7 * 1440);
  tb.bands.forEach((band, i) =>
    band.windows.forEach((w, j) => {
      const from = clockMinutes(w.from);
      const to = clockMinutes(w.to);
      if (to <= from) {
        report(['timeBands', 'bands', i, 'windows', j, 'to'], `"to" (${w.to}) must be later than "from" (${w.from}); split a window that crosses midnight in two`);
        return;
      }
      for (const day of w.days) covered.fill(1, WEEKDAYS.indexOf(day) * 1440 + from, WEEKDAYS.indexOf(day) * 1440 + to);
    }),
  );
  const gap = covered.indexOf(0);
  if (gap >= 0) {
    const day = WEEKDAYS[Math.floor(gap / 1440)]!;
    const minute = gap % 1440;
    report(['timeBands', 'bands'], `the bands leave ${day} ${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')} uncovered; every minute of the week needs a band`);
  }
  tb.holidays.forEach((h, i) => {
    if (!bandIds.has(h.band)) report(['timeBands', 'holidays', i, 'band'], `unknown band "${h.band}"`);
    const [, mm, dd] = /(\d{2})-(\d{2})$/.exec(h.date)!;
    const month = Number(mm);
    const day = Number(dd);
    const year = h.date.startsWith('--') ? 2024 : Number(h.date.slice(0, 4));
    if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) {
      report(['timeBands', 'holidays', i, 'date'], `"${h.date}" is not a calendar date`);
    }
  });

  // Price lists.
  duplicates(v.priceLists.map((l) => l.id), (i, id) => report(['priceLists', i, 'id'], `duplicate price list "${id}"`));
  const lists = new Map(v.priceLists.map((l) => [l.id, l] as const));
  const partnerIds = new Set(v.partners.map((p) => p.id));
  const listOfKind = (path: readonly PropertyKey[], id: string, kind: PriceList['kind']): void => {
    const list = lists.get(id);
    if (!list) report(path, `unknown price list "${id}"`);
    else if (list.kind !== kind) report(path, `price list "${id}" is ${list.kind}, a ${kind} list is needed here`);
  };
  listOfKind(['defaults', 'retailPriceList'], v.defaults.retailPriceList, 'retail');
  listOfKind(['defaults', 'wholesalePriceList'], v.defaults.wholesalePriceList, 'wholesale');
  // One currency per version: overage is charged to the partner at the operator's retail list, and CUG
  // prices are in the retail currency, so mixing currencies would mix amounts.
  const currency = v.priceLists[0]?.currency;
  v.priceLists.forEach((l, i) => {
    if (l.currency !== currency) report(['priceLists', i, 'currency'], `all price lists of a version use one currency (${currency}), got ${l.currency}`);
  });

  v.priceLists.forEach((list, i) => {
    const at = (...path: PropertyKey[]) => ['priceLists', i, ...path];
    if (list.partner !== undefined && !partnerIds.has(list.partner)) report(at('partner'), `unknown partner "${list.partner}"`);
    if (list.kind === 'wholesale') {
      if (list.increments) report(at('increments'), 'a wholesale list may not set increments: the billed duration comes from the retail rate');
      if (list.minimumDuration !== undefined) report(at('minimumDuration'), 'a wholesale list may not set a minimum duration: the billed duration comes from the retail rate');
    }
    if (list.extends !== undefined) {
      const base = lists.get(list.extends);
      if (!base) report(at('extends'), `unknown price list "${list.extends}"`);
      else {
        if (base.kind !== list.kind) report(at('extends'), `a ${list.kind} list cannot extend the ${base.kind} list "${base.id}"`);
        if (base.currency !== list.currency) report(at('currency'), `currency ${list.currency} differs from ${base.currency} of the list it extends ("${base.id}")`);
        const seen = new Set<string>([list.id]);
        for (let cur: PriceList | undefined = base; cur; cur = cur.extends === undefined ? undefined : lists.get(cur.extends)) {
          if (seen.has(cur.id)) {
            report(at('extends'), `price list "${list.id}" extends itself through "${cur.id}"`);
            break;
          }
          seen.add(cur.id);
        }
      }
    }
    const keys = new Set<string>();
    list.rates.forEach((rate, j) => {
      const rat = (...path: PropertyKey[]) => at('rates', j, ...path);
      if (!destinationIds.has(rate.destination)) report(rat('destination'), `unknown destination "${rate.destination}"`);
      if (rate.band !== undefined && !bandIds.has(rate.band)) report(rat('band'), `unknown time band "${rate.band}"`);
      if (!services.has(rate.service)) report(rat('service'), `service "${rate.service}" is not offered in this version`);
      if ((rate.pricePerMinute === undefined) === (rate.pricePerUnit === undefined)) {
        report(rat(), 'a rate needs exactly one of pricePerMinute (voice) or pricePerUnit (other services)');
      } else if (rate.service === 'voice' && rate.pricePerMinute === undefined) {
        report(rat('pricePerUnit'), 'voice is priced per minute: use pricePerMinute');
      } else if (rate.service !== 'voice' && rate.pricePerMinute !== undefined) {
        report(rat('pricePerMinute'), `${rate.service} is priced per unit: use pricePerUnit`);
      }
      if (rate.unitSize !== undefined && rate.pricePerUnit === undefined) report(rat('unitSize'), 'unitSize goes with pricePerUnit');
      if (list.kind === 'wholesale') {
        if (rate.increments) report(rat('increments'), 'a wholesale rate may not set increments: the billed duration comes from the retail rate');
        if (rate.minimumDuration !== undefined) report(rat('minimumDuration'), 'a wholesale rate may not set a minimum duration: the billed duration comes from the retail rate');
      }
      const key = `${rate.destination}|${rate.service}|${rate.direction}|${rate.band ?? '*'}`;
      if (keys.has(key)) report(rat(), `duplicate rate for destination "${rate.destination}", service ${rate.service}, ${rate.direction}, band ${rate.band ?? '(any)'}`);
      keys.add(key);
    });
  });

  // Partners.
  duplicates(v.partners.map((p) => p.id), (i, id) => report(['partners', i, 'id'], `duplicate partner "${id}"`));
  v.partners.forEach((p, i) => {
    listOfKind(['partners', i, 'wholesalePriceList'], p.wholesalePriceList, 'wholesale');
    if (p.retailPriceList !== undefined) {
      listOfKind(['partners', i, 'retailPriceList'], p.retailPriceList, 'retail');
      const list = lists.get(p.retailPriceList);
      if (list?.partner !== undefined && list.partner !== p.id) report(['partners', i, 'retailPriceList'], `price list "${list.id}" belongs to partner "${list.partner}"`);
    }
  });

  // Discounts.
  duplicates(v.discounts.map((d) => d.id), (i, id) => report(['discounts', i, 'id'], `duplicate discount "${id}"`));
  v.discounts.forEach((d, i) => {
    d.destinations?.forEach((id, j) => {
      if (!destinationIds.has(id)) report(['discounts', i, 'destinations', j], `unknown destination "${id}"`);
    });
    if (d.basis === 'minutes' && d.services.some((s) => s !== 'voice')) report(['discounts', i, 'services'], 'a discount on minutes can only cover voice; use basis "units" for other services');
    let previous: Decimal | undefined;
    d.steps.forEach((step, j) => {
      if ((step.percentage === undefined) === (step.amount === undefined)) report(['discounts', i, 'steps', j], 'a step is either a percentage or an amount, never both (and never neither)');
      const threshold = new Decimal(step.threshold);
      if (d.basis !== 'spend' && !threshold.isInteger()) report(['discounts', i, 'steps', j, 'threshold'], `a threshold in ${d.basis} must be a whole number`);
      if (previous !== undefined && !threshold.greaterThan(previous)) report(['discounts', i, 'steps', j, 'threshold'], `thresholds must increase: ${step.threshold} follows ${previous.toFixed()}`);
      previous = threshold;
    });
  });
  const discountIds = new Set(v.discounts.map((d) => d.id));

  // Offers.
  duplicates(v.offers.map((o) => o.id), (i, id) => report(['offers', i, 'id'], `duplicate offer "${id}"`));
  v.offers.forEach((offer, i) => {
    const at = (...path: PropertyKey[]) => ['offers', i, ...path];
    if (offer.kind === 'payg' && offer.baskets.length > 0) report(at('baskets'), 'a pay-as-you-go offer has no baskets');
    if (offer.kind !== 'payg' && offer.baskets.length === 0) report(at('baskets'), `a ${offer.kind} offer needs at least one basket`);
    if (offer.kind === 'flat_to_customer' && offer.partnerBilling === 'bundled') report(at('partnerBilling'), 'flat_to_customer bills the partner per use');
    if (offer.kind === 'flat' && offer.partnerBilling === 'per_use') report(at('partnerBilling'), 'a flat bundles the allowance for the partner too; use kind flat_to_customer');
    if (offer.kind !== 'payg' && offer.overage.enabled && offer.overage.target === null) report(at('overage', 'target'), 'overage that is enabled needs a billing target');
    if (!offer.overage.enabled && offer.overage.target !== null) report(at('overage', 'target'), 'overage that is disabled has no target (set it to null)');
    duplicates(offer.baskets.map((b) => b.id), (j, id) => report(at('baskets', j, 'id'), `duplicate basket "${id}"`));
    offer.baskets.forEach((b, j) => {
      b.destinations.forEach((id, k) => {
        if (!destinationIds.has(id)) report(at('baskets', j, 'destinations', k), `unknown destination "${id}"`);
      });
      if (!services.has(b.service)) report(at('baskets', j, 'service'), `service "${b.service}" is not offered in this version`);
      if (b.rolloverCap !== undefined && b.renewal !== 'rollover') report(at('baskets', j, 'rolloverCap'), 'rolloverCap only applies to renewal "rollover"');
      if (b.rolloverCap !== undefined && b.rolloverCap < b.allowance) report(at('baskets', j, 'rolloverCap'), `rolloverCap (${b.rolloverCap}) is below the allowance (${b.allowance})`);
    });
    offer.discounts.forEach((id, j) => {
      if (!discountIds.has(id)) report(at('discounts', j), `unknown discount "${id}"`);
    });
    const ar = offer.prepaid?.autoRecharge;
    if (ar && !new Decimal(ar.target).greaterThan(ar.threshold)) report(at('prepaid', 'autoRecharge', 'target'), `target (${ar.target}) must be above the threshold (${ar.threshold})`);
    if (offer.singleNumber && !offer.channels.fixed) {
      // Allowed, but the seeds pair a single number with a fixed channel count; nothing to report.
    }
  });

  // Closed user groups.
  duplicates(v.closedUserGroups.map((g) => g.id), (i, id) => report(['closedUserGroups', i, 'id'], `duplicate closed user group "${id}"`));
  v.closedUserGroups.forEach((g, i) => {
    duplicates(g.members, (j, n) => report(['closedUserGroups', i, 'members', j], `duplicate member "${n}"`));
    if (g.services.includes('voice') && g.pricePerMinute === undefined) report(['closedUserGroups', i, 'pricePerMinute'], 'a group covering voice needs pricePerMinute');
    if (g.services.some((s) => s !== 'voice') && g.pricePerUnit === undefined) report(['closedUserGroups', i, 'pricePerUnit'], 'a group covering services other than voice needs pricePerUnit');
  });
}

function clockMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}
