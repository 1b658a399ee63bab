// The real-time credit-control use cases a switch calls, in the spirit of Diameter Gy: authorize (reserve at
// call start), update (report used units, ask for more), terminate (commit the used units, release the rest)
// and a one-shot event (SMS, fax: priced, checked and committed at once). Each is decided in the memory of the
// account's owner (credit-control/store.ts) in one synchronous step, so simultaneous requests on one account
// never grant more than the credit allows; its writes follow in the owner's next group commit.
import { cdrKey, type Service } from '@rcp/contracts';
import {
  autoRechargeFor,
  availableCredit,
  channelRefusal,
  commitCall,
  creditRefusalCode,
  grantRefusal,
  grantUnits,
  lineProfileOf,
  normaliseNumber,
  offerById,
  overageSettingOf,
  priceCall,
  rechargesUsed,
  SERVICE_UNITS,
  standingRefusal,
  stateForAuthorization,
  UNCHARGED_CALL,
  validitySeconds,
  dec,
  type CatalogueVersion,
  type GrantLimit,
  type LineProfile,
  type RatedProbe,
  type Refusal,
} from '@rcp/domain';
import type pino from 'pino';
import type { LedgerBook } from '../ledger/book.js';
import type { Accounts, Catalogues, ResolvedLine } from '../read-models.js';
import { hasWrites } from '../writes.js';
import { callCharge, type CallRow, type LineHoldings } from './calls.js';
import type { AccountStore } from './store.js';

export type CreditControlSettings = { maxGrantSeconds: number; graceSeconds: number; unratedHoldHours: number };

export type CreditControlDeps = {
  /** The accounts' in-memory states this instance owns, and the write-behind queue. */
  store: AccountStore;
  logger?: pino.Logger;
  accounts: Accounts;
  catalogues: Catalogues;
  settings: CreditControlSettings;
  now?: () => Date;
};

/** The authenticated switch: its id is the `source` of its CDRs; numbers it sends are read with its country. */
export type Caller = { id: string; country: string };

export type SessionRequest = {
  sessionId: string;
  accountCode?: string | null;
  callingNumber: string;
  calledNumber: string;
  service: Service;
  direction: 'outbound' | 'inbound';
  startTime?: string;
  requestedUnits?: number;
};
export type UpdateRequest = { usedUnits: number; requestedUnits?: number };
export type TerminateRequest = { usedUnits: number };
export type EventRequest = Omit<SessionRequest, 'sessionId' | 'requestedUnits'> & { eventId: string; units: number };

export type RateView = { destination: string | null; price: string; per: 'minute' | 'unit'; unitSize: number; connectFee: string; increments: { initial: number; subsequent: number } } | null;
export type AllowanceView = { basket: string; drawn: number; remainingAfter: number }[];

export type Granted = {
  result: 'granted';
  sessionId: string;
  accountId: string;
  lineId: string;
  service: string;
  unit: string;
  /** Units granted by this answer. */
  grantedUnits: number;
  /** Units the session may reach in total (used + granted). */
  totalGrantedUnits: number;
  usedUnits: number;
  /** Why the grant stopped short of the request; anything but 'requested' means no more will be granted: end the call at the total. */
  limitedBy: GrantLimit;
  finalGrant: boolean;
  validitySeconds: number;
  expiresAt: string;
  reservation: { amount: string; currency: string };
  rate: RateView;
  allowance: AllowanceView;
  overage: { enabled: boolean; target: string | null };
  /** Credit still available to the account after this reservation. */
  availableCredit: string;
  repeated: boolean;
};

export type Refused = { result: 'refused'; sessionId: string; reason: Refusal; usedUnits?: number; finalGrant?: true };
export type Terminated = {
  result: 'terminated';
  sessionId: string;
  accountId: string;
  usedUnits: number;
  /** What this terminate posted (reservation_commit); 0 when the rated CDR had already charged the call. */
  committed: { amount: string; currency: string };
  /** Total the ledger holds for the call now. */
  charged: string;
  chargedBy: 'commit' | 'rated_cdr';
  repeated: boolean;
};
export type EventCharged = { result: 'charged'; eventId: string; accountId: string; lineId: string; units: number; amount: string; currency: string; repeated: boolean };
export type NotFound = { result: 'unknown_session'; sessionId: string };
export type Conflict = { result: 'conflict'; sessionId: string; message: string };
/** An event id already charged for other units or another service. */
export type EventConflict = { result: 'conflict'; eventId: string; message: string };

const refuse = (sessionId: string, reason: Refusal, extra: Partial<Refused> = {}): Refused => ({ result: 'refused', sessionId, reason, ...extra });

export class CreditControl {
  /** The calls the decision being made writes (decisions run one at a time, synchronously; see withAccount). */
  private pending: CallRow[] | null = null;
  private readonly termsOf = (accountId: string) => this.deps.accounts.termsOf(accountId);

  constructor(private readonly deps: CreditControlDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  private nowMs(): number {
    return this.deps.now ? this.deps.now().getTime() : Date.now();
  }

  /** Queues a call row for the decision being made (written with its other writes, held in memory after). */
  private write(row: CallRow): void {
    (this.pending ??= []).push(row);
  }

  /** Reserves credit (and allowance, and a channel) for a call about to start. */
  async authorize(caller: Caller, req: SessionRequest): Promise<Granted | Refused> {
    const callId = cdrKey({ source: caller.id, recordId: req.sessionId });
    const resolved = this.deps.accounts.resolve(caller.country, req.accountCode, req.callingNumber);
    if (!resolved) return refuse(req.sessionId, unknownLine(req));
    const startTime = req.startTime ?? isoOf(this.nowMs());
    const numbers = this.numbers(caller, resolved, req);
    if ('code' in numbers) return refuse(req.sessionId, numbers);
    const requested = Math.min(req.requestedUnits ?? (req.service === 'voice' ? this.deps.settings.maxGrantSeconds : 1), req.service === 'voice' ? this.deps.settings.maxGrantSeconds : Number.MAX_SAFE_INTEGER);
    const holdsChannel = req.service === 'voice' || req.service === 'fax';
    const { account, line } = resolved;

    return this.withAccount(account.accountId, line.lineId, callId, (book, h, nowMs) => {
      if (h.call) {
        if (h.call.status === 'active' && h.call.expiresAt !== null && Date.parse(h.call.expiresAt) > nowMs) {
          // The same id for another line, service or destination is another call, not a retry: granting it the
          // first call's reservation would let it run unreserved (and its CDR would be a duplicate of the first's).
          if (h.call.lineId !== line.lineId || h.call.service !== req.service || (h.call.calledNumber !== null && h.call.calledNumber !== numbers.called)) {
            return refuse(req.sessionId, { code: 'session_conflict', message: `session ${req.sessionId} of ${caller.id} is a ${h.call.service} call of line ${h.call.lineId} to ${h.call.calledNumber ?? 'an unknown number'}; a new call needs a new session id` });
          }
          // A retried authorize: the reservation it made stands, nothing is reserved twice.
          return this.answerFromRow(caller, h.call, resolved, h, book, req.sessionId);
        }
        return refuse(req.sessionId, { code: 'session_closed', message: `session ${req.sessionId} of ${caller.id} was already used and has ended (${h.call.status})` });
      }
      const standing = standingRefusal(h.standing?.standing ?? 'active', h.standing?.reason);
      if (standing) return refuse(req.sessionId, standing);
      if (holdsChannel) {
        const channels = channelRefusal(h.channelsInUse, line.channels);
        if (channels) return refuse(req.sessionId, channels);
      }
      const priced = this.price(resolved, caller, req.sessionId, req.service, req.direction, numbers, startTime, h, requested);
      if (!priced.ok) return refuse(req.sessionId, priced.refusal);
      const budget = this.budget(book, account.accountId, h.reserved, callId, 'before:');
      const grant = grantUnits({ from: 0, requested, budget, probe: priced.probe });
      if (grant.grantedUnits === 0 || !grant.probe) return refuse(req.sessionId, grantRefusal(grant.limitedBy, this.creditCode(book, account.accountId)));
      const validity = validitySeconds(req.service, grant.grantedUnits, this.deps.settings);
      const row: CallRow = {
        callId,
        accountId: account.accountId,
        lineId: line.lineId,
        service: req.service,
        status: 'active',
        holdsChannel,
        direction: req.direction,
        callingNumber: numbers.calling,
        calledNumber: numbers.called,
        startTime,
        grantedUnits: grant.totalUnits,
        usedUnits: 0,
        reserved: grant.probe.amount,
        draws: drawsOf(grant.probe),
        charged: '0',
        committed: false,
        ratedRevision: null,
        expiresAt: expiry(nowMs, validity),
      };
      this.write(row);
      return this.granted(row, priced, grant.probe, { granted: grant.grantedUnits, limitedBy: grant.limitedBy, validity, available: budget, repeated: false, sessionId: req.sessionId });
    });
  }

  /** Takes the units used so far (a running total) and grants more, re-pricing the whole call so far. */
  async update(caller: Caller, sessionId: string, req: UpdateRequest): Promise<Granted | Refused | NotFound> {
    const callId = cdrKey({ source: caller.id, recordId: sessionId });
    const known = this.accountOfCall(callId);
    const accountId = known instanceof Promise ? await known : known;
    if (!accountId) return { result: 'unknown_session', sessionId };
    return this.withAccount(accountId, null, callId, (book, h, nowMs) => {
      const call = h.call;
      if (!call) return { result: 'unknown_session', sessionId };
      if (call.status !== 'active' && call.status !== 'expired') return refuse(sessionId, { code: 'session_closed', message: `session ${sessionId} has ended (${call.status})` });
      if (call.status === 'expired' || call.expiresAt === null || Date.parse(call.expiresAt) <= nowMs) {
        return refuse(sessionId, { code: 'session_expired', message: `session ${sessionId} was not updated within its validity time; its reservation was released` });
      }
      const used = Math.max(call.usedUnits, req.usedUnits);
      const resolved = this.lineOf(accountId, call.lineId);
      const hold = (reason: Refusal, probe: RatedProbe | null): Refused => {
        // No more units: the session keeps a reservation for what it used until it terminates.
        this.write({ ...call, usedUnits: used, grantedUnits: used, reserved: probe?.amount ?? call.reserved, draws: probe ? drawsOf(probe) : call.draws, expiresAt: expiry(nowMs, this.deps.settings.graceSeconds) });
        return refuse(sessionId, reason, { usedUnits: used, finalGrant: true });
      };
      if (!resolved) return hold({ code: 'unknown_line', message: `line ${call.lineId} is no longer on account ${accountId}` }, null);
      const standing = standingRefusal(h.standing?.standing ?? 'active', h.standing?.reason);
      const requested = Math.min(req.requestedUnits ?? (call.service === 'voice' ? this.deps.settings.maxGrantSeconds : 1), call.service === 'voice' ? this.deps.settings.maxGrantSeconds : Number.MAX_SAFE_INTEGER);
      const priced = this.price(resolved, caller, sessionId, call.service as Service, call.direction, numbersOf(call, resolved), call.startTime!, h, used + requested);
      if (!priced.ok) return hold(priced.refusal, null);
      const usedProbe = used > 0 ? priced.probe(used) : null;
      if (standing) return hold(standing, usedProbe);
      const budget = this.budget(book, accountId, h.reserved, callId, 'update:', used);
      const grant = grantUnits({ from: used, requested, budget, probe: priced.probe });
      if (grant.grantedUnits === 0 || !grant.probe) return hold(grantRefusal(grant.limitedBy, this.creditCode(book, accountId)), usedProbe);
      const validity = validitySeconds(call.service, grant.grantedUnits, this.deps.settings);
      const row: CallRow = { ...call, usedUnits: used, grantedUnits: grant.totalUnits, reserved: grant.probe.amount, draws: drawsOf(grant.probe), expiresAt: expiry(nowMs, validity) };
      this.write(row);
      return this.granted(row, priced, grant.probe, { granted: grant.grantedUnits, limitedBy: grant.limitedBy, validity, available: budget, repeated: false, sessionId });
    });
  }

  /**
   * Ends a session: commits the cost of the used units to the ledger (cause reservation_commit) unless the
   * call's rated CDR already charged it, and releases the rest of the reservation and the channel.
   */
  async terminate(caller: Caller, sessionId: string, req: TerminateRequest): Promise<Terminated | NotFound | Conflict> {
    const callId = cdrKey({ source: caller.id, recordId: sessionId });
    const known = this.accountOfCall(callId);
    const accountId = known instanceof Promise ? await known : known;
    if (!accountId) return { result: 'unknown_session', sessionId };
    return this.withAccount(accountId, null, callId, (book, h) => {
      const call = h.call;
      if (!call) return { result: 'unknown_session', sessionId };
      const currency = book.account(accountId).currency;
      if (call.status === 'event' || call.status === 'rated') {
        return { result: 'conflict', sessionId, message: `${sessionId} is not a session (${call.status === 'event' ? 'a one-shot event' : 'a call known from its CDR only'})` };
      }
      if (call.status === 'terminated') {
        return { result: 'terminated', sessionId, accountId, usedUnits: call.usedUnits, committed: { amount: '0', currency }, charged: call.charged, chargedBy: call.ratedRevision === null ? 'commit' : 'rated_cdr', repeated: true };
      }
      const used = req.usedUnits;
      let cost = '0';
      let draws: Record<string, number> = {};
      const resolved = this.lineOf(accountId, call.lineId);
      if (used > 0 && call.ratedRevision === null) {
        const priced = resolved ? this.price(resolved, caller, sessionId, call.service as Service, call.direction, numbersOf(call, resolved), call.startTime!, h, used) : null;
        if (priced?.ok) {
          const probe = priced.probe(used);
          cost = probe.amount;
          draws = drawsOf(probe);
        } else cost = call.reserved; // the line or its rate vanished mid-call: the reservation is the best estimate; the CDR settles it
      }
      // A call that used nothing (never answered) commits nothing: its CDR, if any, says what it costs.
      const posting = used > 0 ? commitCall(callCharge(call), cost) : null;
      if (posting) book.post({ accountId, currency, cause: 'reservation_commit', causeRef: callId, amount: posting.amount });
      const charged = posting?.call.charged ?? call.charged;
      this.write({ ...call, status: 'terminated', usedUnits: used, reserved: '0', draws: posting ? draws : {}, charged, committed: posting ? true : call.committed, expiresAt: null });
      return {
        result: 'terminated',
        sessionId,
        accountId,
        usedUnits: used,
        committed: { amount: posting ? unsigned(posting.amount) : '0', currency },
        charged,
        chargedBy: call.ratedRevision === null ? 'commit' : 'rated_cdr',
        repeated: false,
      };
    });
  }

  /** A one-shot event (SMS, fax pages, e-mail): all its units are granted and committed at once, or it is refused. */
  async chargeEvent(caller: Caller, req: EventRequest): Promise<EventCharged | Refused | EventConflict> {
    const callId = cdrKey({ source: caller.id, recordId: req.eventId });
    const resolved = this.deps.accounts.resolve(caller.country, req.accountCode, req.callingNumber);
    if (!resolved) return refuse(req.eventId, unknownLine(req));
    const startTime = req.startTime ?? isoOf(this.nowMs());
    const numbers = this.numbers(caller, resolved, req);
    if ('code' in numbers) return refuse(req.eventId, numbers);
    const { account, line } = resolved;
    return this.withAccount(account.accountId, line.lineId, callId, (book, h) => {
      const currency = book.account(account.accountId).currency;
      if (h.call) {
        if (h.call.status === 'event' || h.call.status === 'rated') {
          // The same id for other units or another service is another event, not a retry: answering it as charged
          // would leave it charged nowhere (its CDR is a duplicate of the first one's too).
          if (h.call.usedUnits !== req.units || h.call.service !== req.service) {
            return { result: 'conflict', eventId: req.eventId, message: `event ${req.eventId} was already charged for ${h.call.usedUnits} ${h.call.service} unit(s); this request is for ${req.units} ${req.service}: a new event needs a new id` };
          }
          return { result: 'charged', eventId: req.eventId, accountId: account.accountId, lineId: line.lineId, units: h.call.usedUnits, amount: h.call.charged, currency, repeated: true };
        }
        return refuse(req.eventId, { code: 'session_conflict', message: `${req.eventId} is a call session, not an event` });
      }
      const standing = standingRefusal(h.standing?.standing ?? 'active', h.standing?.reason);
      if (standing) return refuse(req.eventId, standing);
      const priced = this.price(resolved, caller, req.eventId, req.service, req.direction, numbers, startTime, h, req.units);
      if (!priced.ok) return refuse(req.eventId, priced.refusal);
      const budget = this.budget(book, account.accountId, h.reserved, callId, 'before:');
      const grant = grantUnits({ from: 0, requested: req.units, budget, probe: priced.probe });
      if (grant.totalUnits < req.units || !grant.probe) {
        const limit = grant.totalUnits < req.units && grant.limitedBy === 'requested' ? 'credit' : grant.limitedBy;
        return refuse(req.eventId, grantRefusal(limit, this.creditCode(book, account.accountId)));
      }
      const posting = commitCall(UNCHARGED_CALL, grant.probe.amount)!;
      book.post({ accountId: account.accountId, currency, cause: 'reservation_commit', causeRef: callId, amount: posting.amount });
      this.write({
          callId,
          accountId: account.accountId,
          lineId: line.lineId,
          service: req.service,
          status: 'event',
          holdsChannel: false,
          direction: req.direction,
          callingNumber: numbers.calling,
          calledNumber: numbers.called,
          startTime,
          grantedUnits: req.units,
          usedUnits: req.units,
          reserved: '0',
          draws: drawsOf(grant.probe),
          charged: posting.call.charged,
          committed: true,
          ratedRevision: null,
          expiresAt: null,
        });
      return { result: 'charged', eventId: req.eventId, accountId: account.accountId, lineId: line.lineId, units: req.units, amount: grant.probe.amount, currency, repeated: false };
    });
  }

  /** A session's state, for the switch and for operations: as this instance holds it, else as PostgreSQL has it. */
  async session(caller: Caller, sessionId: string): Promise<CallRow | null> {
    const callId = cdrKey({ source: caller.id, recordId: sessionId });
    const accountId = this.deps.store.accountOfCall(callId);
    const held = accountId ? this.deps.store.loaded(accountId)?.call(callId) : undefined;
    if (held) return held;
    return this.deps.store.mayExist(callId) ? this.deps.store.lookup(null, callId) : null;
  }

  // ---------------------------------------------------------------------------------------------------------

  /**
   * One credit decision on one account, made in memory by the account's owner: the account's state (loaded
   * from PostgreSQL on first use) gives the balance, the other reservations, the line's channels and held
   * allowance; `decide` runs synchronously, so no other decision on the account interleaves with it, and its
   * ledger entries, balance events and calls are queued for the next group commit in decision order. The
   * answer does not wait for that commit (see docs/charging.md, "Guarantees"): a decision lost in a crash is a
   * reservation freed early or a commit the call's rated CDR makes instead.
   */
  private async withAccount<T>(accountId: string, lineId: string | null, callId: string, decide: (book: LedgerBook, h: LineHoldings, nowMs: number) => T): Promise<T> {
    const store = this.deps.store;
    for (;;) {
      // A loaded state is used at once (awaiting a plain value would still cost a turn of the microtask queue).
      const loaded = store.state(accountId);
      const s = loaded instanceof Promise ? await loaded : loaded;
      let call = s.call(callId);
      if (!call && store.mayExist(callId)) {
        // A call this instance does not hold: it may have ended long ago (a reused session id, a late repeat).
        const row = await store.lookup(s, callId);
        if (!store.isCurrent(s)) continue;
        call = s.call(callId);
        if (!call && row) {
          call = row;
          if (row.accountId === accountId) s.put(row, 0, Date.now());
        }
      }
      const nowMs = this.nowMs();
      const h = s.holdings(lineId ?? call?.lineId ?? '', callId, nowMs, store.unratedHoldMs);
      h.call = call ?? null;
      const book = s.book(this.termsOf);
      // From here to the queueing of its writes the decision is synchronous: `pending` is this decision's alone.
      this.pending = null;
      let value: T;
      try {
        value = decide(book, h, nowMs);
      } catch (err) {
        // The decision may have moved the balance in memory before failing: read the account again.
        this.pending = null;
        store.forget(s);
        throw err;
      }
      const rows = this.pending as CallRow[] | null;
      this.pending = null;
      const writes = book.writes();
      if (rows) writes.calls = rows;
      if (!hasWrites(writes)) return value;
      // Nobody waits for the commit (see docs/charging.md, "Guarantees"); the store logs a write that fails and
      // reads the account again, and publishes the balance events after the commit that wrote them.
      const seq = store.enqueue(writes, s.ids);
      if (rows) for (const row of rows) s.put(row, seq, nowMs);
      return value;
    }
  }

  /** A call's account: from memory when this instance holds the call, else from PostgreSQL (a call never changes account). */
  private accountOfCall(callId: string): string | null | Promise<string | null> {
    const store = this.deps.store;
    const held = store.accountOfCall(callId);
    if (held) return held;
    return store.mayExist(callId) ? store.lookup(null, callId).then((row) => row?.accountId ?? null) : null;
  }

  private lineOf(accountId: string, lineId: string): ResolvedLine | undefined {
    const account = this.deps.accounts.get(accountId);
    const line = account?.lines.find((l) => l.lineId === lineId);
    return account && line ? { account, line } : undefined;
  }

  /** Calling and called numbers as E.164 digits, read with the switch's country as ingestion reads its CDRs. */
  private numbers(caller: Caller, resolved: ResolvedLine, req: { callingNumber: string; calledNumber: string }): { calling: string; called: string } | Refusal {
    const called = normaliseNumber(req.calledNumber, { countryCode: caller.country });
    if (!called.ok) return { code: 'invalid_number', message: `calledNumber ${JSON.stringify(req.calledNumber)}: ${called.reason}` };
    // The calling number as resolve read it (with the same country), else read here.
    let calling = resolved.calling;
    if (calling === undefined) {
      const read = normaliseNumber(req.callingNumber, { countryCode: caller.country });
      calling = read.ok ? read.e164 : null;
    }
    return { calling: calling ?? resolved.line.numbers[0]!, called: called.e164 };
  }

  private price(
    resolved: ResolvedLine,
    caller: Caller,
    recordId: string,
    service: Service,
    direction: 'outbound' | 'inbound',
    numbers: { calling: string; called: string },
    startTime: string,
    h: LineHoldings,
    /** The total of units the decision will most likely price first (rated once, up front). */
    likelyUnits: number,
  ): Priced | { ok: false; refusal: Refusal } {
    const version = this.deps.catalogues.versionAt(startTime);
    if (!version) return { ok: false, refusal: { code: 'no_catalogue', message: `no catalogue version is in force at ${startTime}` } };
    // The profile rating will use for this call's CDR: the package in force at its start, the service's overage.
    const profile = lineProfileOf(resolved.account, resolved.line, { startTime, service });
    let state;
    try {
      state = stateForAuthorization(version, profile, startTime, h.reported, h.heldDraws);
    } catch (err) {
      return { ok: false, refusal: { code: 'unknown_offer', message: (err as Error).message } };
    }
    const priced = priceCall(
      { source: caller.id, recordId, accountId: resolved.account.accountId, lineId: resolved.line.lineId, service, direction, callingNumber: numbers.calling, calledNumber: numbers.called, startTime },
      { version, line: profile, state },
      likelyUnits,
    );
    return priced.ok ? { ok: true, probe: priced.probe, version, profile } : priced;
  }

  /**
   * The credit a grant may take: available credit (balance to the floor, less other reservations). When it is
   * below the auto-recharge threshold, the recharge is made first (it keeps the account prepaid).
   */
  private budget(book: LedgerBook, accountId: string, reserved: string, callId: string, refPrefix: 'before:' | 'update:', used?: number): string {
    const terms = this.deps.accounts.termsOf(accountId);
    const a = book.account(accountId);
    const available = availableCredit(a.state, terms.policy, reserved);
    if (!terms.policy.autoRecharge) return available.toFixed();
    const recharge = autoRechargeFor(terms.policy, available, rechargesUsed(a.recharges, terms.periodAt(this.now())));
    // The recharge's cause reference (made only when there is one): before:<call> at authorization, update:<call>:<used> at an update.
    if (recharge.recharge) book.recharge(accountId, recharge.amount, used === undefined ? `${refPrefix}${callId}` : `${refPrefix}${callId}:${used}`);
    return availableCredit(book.account(accountId).state, terms.policy, reserved).toFixed();
  }

  private creditCode(book: LedgerBook, accountId: string): 'no_credit' | 'credit_limit_reached' {
    return creditRefusalCode(book.account(accountId).state, this.deps.accounts.termsOf(accountId).policy);
  }

  private granted(
    row: CallRow,
    priced: Priced,
    probe: RatedProbe,
    /** available: the credit available before this grant (the decision's budget). */
    o: { granted: number; limitedBy: GrantLimit; validity: number; available: string; repeated: boolean; sessionId: string },
  ): Granted {
    const e = probe.charge.explanation;
    const offer = offerById(priced.version, priced.profile.offerId);
    const overage = offer ? overageSettingOf(offer, priced.profile.overage) : { enabled: true, target: null };
    return {
      result: 'granted',
      sessionId: o.sessionId,
      accountId: row.accountId,
      lineId: row.lineId,
      service: row.service,
      unit: SERVICE_UNITS[row.service as Service] ?? 'unit',
      grantedUnits: o.granted,
      totalGrantedUnits: row.grantedUnits,
      usedUnits: row.usedUnits,
      limitedBy: o.limitedBy,
      finalGrant: o.limitedBy !== 'requested',
      validitySeconds: o.validity,
      expiresAt: row.expiresAt!,
      reservation: { amount: probe.amount, currency: probe.charge.retail.currency },
      rate: e.rate
        ? { destination: e.destination, price: e.rate.price, per: e.rate.per, unitSize: e.rate.unitSize, connectFee: e.rate.connectFee, increments: { initial: e.increments.initial, subsequent: e.increments.subsequent } }
        : null,
      allowance: e.bucketDraws.length === 0 ? [] : e.bucketDraws.map((d) => ({ basket: d.basket, drawn: d.units, remainingAfter: d.remainingAfter })),
      overage: { enabled: overage.enabled, target: overage.target },
      availableCredit: dec(o.available).minus(probe.amount).toFixed(),
      repeated: o.repeated,
    };
  }

  /** The answer to a repeated authorize: the session's standing grant, re-priced for the explanation only. */
  private answerFromRow(caller: Caller, row: CallRow, resolved: ResolvedLine, h: LineHoldings, book: LedgerBook, sessionId: string): Granted | Refused {
    const priced = this.price(resolved, caller, sessionId, row.service as Service, row.direction, numbersOf(row, resolved), row.startTime!, h, Math.max(1, row.grantedUnits));
    if (!priced.ok) return refuse(sessionId, priced.refusal);
    const remaining = Math.max(0, Math.round((Date.parse(row.expiresAt!) - this.nowMs()) / 1000));
    const probe = priced.probe(Math.max(1, row.grantedUnits));
    const available = availableCredit(book.account(row.accountId).state, this.deps.accounts.termsOf(row.accountId).policy, h.reserved).toFixed();
    return this.granted(row, priced, probe, { granted: row.grantedUnits - row.usedUnits, limitedBy: 'requested', validity: remaining, available, repeated: true, sessionId });
  }
}

/** A priced call, with the catalogue version and the line's profile it was priced with (the answer's overage rule reads them). */
type Priced = { ok: true; probe: (units: number) => RatedProbe; version: CatalogueVersion; profile: LineProfile };

/** The instant a reservation made at nowMs lapses, validity seconds later (memory and PostgreSQL hold the same one). */
function expiry(nowMs: number, validitySeconds: number): string {
  return isoOf(nowMs + validitySeconds * 1000);
}

// At switch rates several decisions fall in the same millisecond: the last instant written is reused.
let lastIsoMs = NaN;
let lastIso = '';

/** An instant (ms) as an ISO string. */
function isoOf(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

/** A committed amount as answered: the ledger's debit without its sign. */
function unsigned(amount: string): string {
  return amount.charCodeAt(0) === 45 /* - */ ? amount.slice(1) : amount;
}

function numbersOf(call: CallRow, resolved: ResolvedLine): { calling: string; called: string } {
  return { calling: call.callingNumber ?? resolved.line.numbers[0]!, called: call.calledNumber ?? '' };
}

function drawsOf(probe: RatedProbe): Record<string, number> {
  const draws: Record<string, number> = {};
  for (const d of probe.charge.explanation.bucketDraws) draws[d.basket] = (draws[d.basket] ?? 0) + d.units;
  return draws;
}

function unknownLine(req: { accountCode?: string | null; callingNumber: string }): Refusal {
  return { code: 'unknown_line', message: `no line has account code ${JSON.stringify(req.accountCode ?? null)} or calling number ${JSON.stringify(req.callingNumber)}` };
}
