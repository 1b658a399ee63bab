import { cdrKey, type AccountUpserted, type CdrRatedV1, type CdrRawV1, type CdrRejectedV1, type Reason } from '@rcp/contracts';
import { catalogueVersionAt, lineActiveAt, lineActiveWindow, parseInstantMs, periodAt, rateCdr, type Catalogue, type LineActiveWindow, type RatingState } from '@rcp/domain';
import { lineProfileOf } from '@rcp/domain';

/** An outcome to publish; `text` is the message as JSON when it was serialised already (JSON.stringify(message)). */
export type RatingOutcomeMessage = ({ kind: 'rated'; message: CdrRatedV1 } | { kind: 'rejected'; message: CdrRejectedV1 }) & { text?: string };

/**
 * Lines' bucket and discount counters by period. `stateFor` gives the state of the CDR's period, else the
 * line's latest earlier one (the engine rolls it forward), else null.
 */
export class LineStates {
  private readonly byLine = new Map<string, Map<string, RatingState>>();
  private readonly changed = new Map<string, { lineId: string; state: RatingState }>();

  load(lineId: string, state: RatingState): void {
    this.periods(lineId).set(state.periodKey, state);
  }

  stateFor(lineId: string, periodKey: string): RatingState | null {
    const periods = this.byLine.get(lineId);
    if (!periods) return null;
    const own = periods.get(periodKey);
    if (own) return own;
    let best: RatingState | null = null;
    for (const [key, s] of periods) if (key < periodKey && (!best || key > best.periodKey)) best = s;
    return best;
  }

  put(lineId: string, state: RatingState): void {
    this.periods(lineId).set(state.periodKey, state);
    this.changed.set(`${lineId}\u0000${state.periodKey}`, { lineId, state });
  }

  /** The states moved since loading, to be stored. */
  get dirty(): { lineId: string; state: RatingState }[] {
    return [...this.changed.values()];
  }

  private periods(lineId: string): Map<string, RatingState> {
    let p = this.byLine.get(lineId);
    if (!p) this.byLine.set(lineId, (p = new Map()));
    return p;
  }
}

/** Each line state's active window, computed once (account states are replaced, never changed, on update). */
const activeWindows = new WeakMap<object, LineActiveWindow | RangeError>();
function activeWindowOf(account: AccountUpserted, line: AccountUpserted['lines'][number]): LineActiveWindow | RangeError {
  let window = activeWindows.get(line);
  if (!window) {
    try {
      window = lineActiveWindow(line, account.timezone);
    } catch (err) {
      window = err instanceof RangeError ? err : new RangeError(String(err));
    }
    activeWindows.set(line, window);
  }
  return window;
}

function rejected(cdr: CdrRawV1, now: string, reason: Reason): RatingOutcomeMessage {
  return {
    kind: 'rejected',
    message: { v: 1, rejectionId: `rating:${cdrKey(cdr)}`, stage: 'rating', source: cdr.source, recordId: cdr.recordId, accountId: cdr.accountId, reasons: [reason], original: cdr, rejectedAt: now },
  };
}

/**
 * Rates CDRs in the order given (one account's start-time order), moving the lines' counters as it goes.
 * Pure of storage: the rating service persists what it returns, offline rating prints it.
 */
export async function rateSequence(
  cdrs: CdrRawV1[],
  deps: { catalogue: Catalogue | null; account: (accountId: string) => AccountUpserted | undefined | Promise<AccountUpserted | undefined>; states: LineStates; now: string; revision?: number },
): Promise<RatingOutcomeMessage[]> {
  const outcomes: RatingOutcomeMessage[] = [];
  for (const cdr of cdrs) {
    // Awaited only when the lookup has to wait (the service's, for an account just created): an await per
    // CDR costs more than rating it in a replay.
    const found = deps.account(cdr.accountId);
    const account = found instanceof Promise ? await found : found;
    const line = account?.lines.find((l) => l.lineId === cdr.lineId);
    if (!account || !line) {
      outcomes.push(rejected(cdr, deps.now, { code: 'unknown_account', message: `rating knows no line ${cdr.lineId} on account ${cdr.accountId}` }));
      continue;
    }
    // A call before the line's activation day or from the day it was closed on is not the customer's to pay.
    const window = activeWindowOf(account, line);
    if (window instanceof RangeError) {
      outcomes.push(rejected(cdr, deps.now, { code: 'invalid_line', message: `line ${line.lineId}: ${window.message}` }));
      continue;
    }
    const startMs = parseInstantMs(cdr.startTime);
    if (Number.isNaN(startMs)) {
      outcomes.push(rejected(cdr, deps.now, { code: 'invalid_start_time', message: `not an ISO-8601 instant with offset: ${cdr.startTime}` }));
      continue;
    }
    if (!lineActiveAt(window, startMs)) {
      const until = window.to === null ? '' : ` until ${window.to} (the day it was closed on)`;
      outcomes.push(rejected(cdr, deps.now, { code: 'line_not_active', message: `line ${line.lineId} was not active at ${cdr.startTime}: active from ${window.from}${until}, ${account.timezone}` }));
      continue;
    }
    const version = deps.catalogue ? catalogueVersionAt(deps.catalogue, cdr.startTime) : undefined;
    if (!version) {
      outcomes.push(rejected(cdr, deps.now, { code: 'no_catalogue_version', message: `no catalogue version is in force at ${cdr.startTime}` }));
      continue;
    }
    // The package in force at the CDR's start and the customer's overage for its service.
    const profile = lineProfileOf(account, line, { startTime: cdr.startTime, service: cdr.service });
    let periodKey: string;
    try {
      periodKey = periodAt(profile, startMs).periodKey;
    } catch (err) {
      outcomes.push(rejected(cdr, deps.now, { code: 'invalid_start_time', message: (err as Error).message }));
      continue;
    }
    const result = rateCdr(
      { source: cdr.source, recordId: cdr.recordId, accountId: cdr.accountId, lineId: cdr.lineId, service: cdr.service, direction: cdr.direction, callingNumber: cdr.callingNumber, calledNumber: cdr.calledNumber, startTime: cdr.startTime, billableUnits: cdr.billableUnits, disposition: cdr.disposition },
      { version, line: profile, state: deps.states.stateFor(cdr.lineId, periodKey) },
    );
    if (result.kind === 'rejected') {
      outcomes.push(rejected(cdr, deps.now, { code: result.code, message: result.message }));
      continue;
    }
    deps.states.put(cdr.lineId, result.state);
    const c = result.charge;
    outcomes.push({
      kind: 'rated',
      message: {
        v: 1,
        ratedId: cdrKey(cdr),
        revision: deps.revision ?? 0,
        source: cdr.source,
        recordId: cdr.recordId,
        accountId: cdr.accountId,
        lineId: cdr.lineId,
        service: cdr.service,
        direction: cdr.direction,
        startTime: cdr.startTime,
        periodKey: result.state.periodKey,
        periodEnd: result.state.periodEnd,
        billedUnits: c.billedUnits,
        deniedUnits: c.denied?.units ?? 0,
        retail: c.retail,
        wholesale: c.wholesale,
        explanation: { ...c.explanation, destination: c.explanation.destination ?? undefined },
        ratedAt: deps.now,
        previous: null,
      },
    });
  }
  return outcomes;
}
