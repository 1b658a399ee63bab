// Offer texts with numbered placeholders ({0}, {1}, ...), as the profitability controller's templates have
// them. Each kind of check fills its own numbered list; a follow-up adds the date of the offer before the
// greeting, so the offer's own numbers keep their meaning in the follow-up text.

export const TEMPLATE_KINDS = ['costCap', 'flat', 'fixedPricePerCall'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];
export type TemplateUse = 'offer' | 'followUp';

export interface OfferVariables {
  readonly greeting: string;
  readonly tolerancePercent: string;
  readonly currentPrice: string;
  /** The checked billing period, YYYY-MM. */
  readonly month: string;
  readonly minutes: string;
  readonly calls: string;
  readonly referencePrice: string;
  readonly newPrice: string;
  /** The day the offer was sent (follow-ups only), YYYY-MM-DD. */
  readonly offerDate: string;
  readonly currentCategory: string;
  readonly proposedCategory: string;
}

type Name = keyof OfferVariables;

/** The meaning of each number, per kind and use (the index in the list is the placeholder's number). */
const ORDER: Record<TemplateKind, Record<TemplateUse, readonly Name[]>> = {
  // Cost cap: {0} tolerance %, {1} greeting; the follow-up: {0} tolerance, {1} date of the offer, {2} greeting.
  costCap: {
    offer: ['tolerancePercent', 'greeting', 'currentCategory', 'proposedCategory'],
    followUp: ['tolerancePercent', 'offerDate', 'greeting', 'currentCategory', 'proposedCategory'],
  },
  // Flat: {0} current flat price, {1} month, {2} minutes, {3} reference price, {4} new price, {5} greeting.
  flat: {
    offer: ['currentPrice', 'month', 'minutes', 'referencePrice', 'newPrice', 'greeting'],
    followUp: ['currentPrice', 'month', 'minutes', 'referencePrice', 'newPrice', 'offerDate', 'greeting'],
  },
  // Fixed price per call: {0} current price, {1} month, {2} calls, {3} minutes, {4} reference, {5} new, {6} greeting.
  fixedPricePerCall: {
    offer: ['currentPrice', 'month', 'calls', 'minutes', 'referencePrice', 'newPrice', 'greeting'],
    followUp: ['currentPrice', 'month', 'calls', 'minutes', 'referencePrice', 'newPrice', 'offerDate', 'greeting'],
  },
};

/** How many numbered placeholders a template of this kind and use may have ({0} .. {n-1}). */
export function templatePlaceholderLimit(kind: TemplateKind, use: TemplateUse): number {
  return ORDER[kind][use].length;
}

const costCapBody = (current: string, proposed: string) =>
  `unfortunately your cost cap has been exceeded by more than {0}%. You will therefore be placed in a higher category (from ${current} to ${proposed}) for future billing periods. If you are already in category 7 we can no longer offer you a cost cap; calls will then be billed per minute.`;

const FLAT_BODY =
  'we can unfortunately no longer offer you the current flat price of {0} per month, because your calls last much longer in total than we assumed.\n\n' +
  'In {1} you had calls with a total duration of {2} minutes. For a monthly flat we have to price a call minute at {3}.\n\n' +
  'To keep offering you good service, we have to set the flat price at {4} per month from now on. It is calculated as {2} minutes x {3} per minute, rounded down in your favour to a multiple of ten.\n\n' +
  'If {4} per month is too high for you and you expect fewer calls in future, we will gladly offer you a fixed price per handled call instead.';

const FIXED_BODY =
  'we can unfortunately no longer offer you the current fixed price of {0} per handled call, because your calls last much longer on average than we assumed.\n\n' +
  'In {1} we handled {2} calls with a total duration of {3} minutes for you. For a fixed price per handled call we have to price a call minute at {4}.\n\n' +
  'To keep offering you good service, we have to set the fixed price at {5} per handled call from now on. It is calculated as {3} minutes / {2} calls x {4} per minute. ' +
  'Instead of a price per call we will also gladly offer you a monthly flat price that includes all handled calls.';

/** The built-in texts, used when the billing document sets none. */
export const DEFAULT_TEMPLATES: Record<TemplateKind, Record<TemplateUse, string>> = {
  costCap: {
    offer: `{1},\n\n${costCapBody('{2}', '{3}')}`,
    followUp: `{2},\n\nwe have not received an answer to our e-mail of {1}. Please get in touch with us!\n\nOur message of {1}:\n\n${costCapBody('{3}', '{4}')}`,
  },
  flat: {
    offer: `{5},\n\n${FLAT_BODY}`,
    followUp: `{6},\n\nwe have not received an answer to our e-mail of {5}. Please get in touch with us!\n\nOur message of {5}:\n\n${FLAT_BODY}`,
  },
  fixedPricePerCall: {
    offer: `{6},\n\n${FIXED_BODY}`,
    followUp: `{7},\n\nwe have not received an answer to our e-mail of {6}. Please get in touch with us!\n\nOur message of {6}:\n\n${FIXED_BODY}`,
  },
};

export class TemplateError extends Error {
  readonly code = 'unknown_placeholder';
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Fills a template's numbered placeholders with the variables in the order of its kind and use. */
export function renderTemplate(kind: TemplateKind, use: TemplateUse, template: string, vars: OfferVariables): string {
  const order = ORDER[kind][use];
  return template.replace(/\{(\d+)\}/g, (_m, n: string) => {
    const name = order[Number(n)];
    if (name === undefined) throw new TemplateError(`placeholder {${n}} does not exist in a ${kind} ${use} template ({0} to {${order.length - 1}})`);
    return vars[name];
  });
}
