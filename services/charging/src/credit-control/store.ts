// The real-time owner of the accounts' money: one charging instance at a time holds a PostgreSQL advisory
// lock (the lease) on a connection of its own, keeps each account's credit-control state in memory (balance,
// open reservations, channels, held allowance, standing), decides in memory, and writes behind through that
// same connection in group commits: many decisions per transaction and per WAL flush. A decision never
// waits for PostgreSQL; only the first use of an account (its load) and a call this instance has not seen
// (one batched lookup) read it.
import pg from 'pg';
import type { Logger } from 'pino';
import { Decimal, type AccountStanding, type ReportedBuckets } from '@rcp/domain';
import { LedgerBook, type AccountTerms, type LockedAccount, type LockedAccountRow } from '../ledger/book.js';
import type { AllowanceRow, BalanceRow, LedgerRow, Writes } from '../writes.js';
import { readCalls, type CallRow, type LineHoldings } from './calls.js';
import { IdFilter } from './id-filter.js';

/** The advisory-lock key of the real-time lease (one owner of every account at a time). */
const LEASE_KEY = 4_242_001;

/** Answered (HTTP 503) when this instance does not hold the lease: another instance owns the accounts, or it is being taken over. */
export class NotOwnerError extends Error {
  readonly code = 'not_owner';
}

function addDraws(into: Record<string, number>, draws: Record<string, number>): void {
  for (const basket in draws) into[basket] = (into[basket] ?? 0) + draws[basket]!;
}

function hasDraws(draws: Record<string, number>): boolean {
  for (const _ in draws) return true;
  return false;
}

type Unrated = { lineId: string; draws: Record<string, number>; atMs: number };
/** Shared by every decision that finds no allowance held by other calls (never written to). */
const NO_DRAWS: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** An ISO instant as milliseconds (null: holds nothing). */
function expiryMs(expiresAt: string | null): number {
  return expiresAt === null ? -Infinity : Date.parse(expiresAt);
}
type Held = { row: CallRow; seq: number; touchedMs: number };

/** One account's credit-control state, as only its owner changes it. */
export class AccountState {
  /** Calls this state knows (open ones always; closed ones until written and a while after). */
  readonly calls = new Map<string, Held>();
  /** The open reservations (status active; a lapsed one stops counting at once and is swept). */
  readonly open = new Map<string, CallRow>();
  /** When each open reservation lapses (ms), parsed once when it is put, not on every decision. */
  private readonly openUntil = new Map<string, number>();
  /** Committed calls whose CDR is not rated yet: their allowance use still counts against the line. */
  readonly unrated = new Map<string, Unrated>();
  readonly allowances = new Map<string, ReportedBuckets>();
  /** PostgreSQL reads of calls in flight (closed calls are not dropped from memory meanwhile). */
  reading = 0;
  /** The last write that touched the account (it may be forgotten only once that is committed), and its last use. */
  lastSeq = 0;
  lastUsedMs = Date.now();
  /** Top-ups and adjustments, one at a time per account (their idempotency keys are checked in PostgreSQL). */
  private exclusive: Promise<unknown> = Promise.resolve();
  /** [accountId]: the accounts a decision on this one alone writes (made once, not per decision). */
  readonly ids: readonly string[];
  /** The account for a ledger book over this state alone (made once, not per decision). */
  private readonly bookAccounts: Map<string, LockedAccount>;

  constructor(
    readonly accountId: string,
    readonly account: LockedAccount,
    public standing: { standing: AccountStanding; reason: string | null } | null,
    /** The store's index of the calls held in memory: call -> account. */
    private readonly index: Map<string, string>,
    /** Told of each call id put here (the store's filter of ids that exist). */
    private readonly seen?: (callId: string) => void,
  ) {
    this.ids = [accountId];
    this.bookAccounts = new Map([[accountId, account]]);
  }

  /** A ledger book over this account alone: postings move its balance in memory at once. */
  book(termsOf: (accountId: string) => AccountTerms): LedgerBook {
    return LedgerBook.over(this.bookAccounts, termsOf);
  }

  call(callId: string): CallRow | undefined {
    return this.calls.get(callId)?.row;
  }

  /** Records a call as decided (seq: the write that carries it), keeping the open and unrated indexes. */
  put(row: CallRow, seq: number, nowMs: number): void {
    if (!this.calls.has(row.callId)) this.seen?.(row.callId);
    this.calls.set(row.callId, { row, seq, touchedMs: nowMs });
    this.index.set(row.callId, this.accountId);
    if (row.status === 'active') {
      this.open.set(row.callId, row);
      this.openUntil.set(row.callId, expiryMs(row.expiresAt));
    } else if (this.open.delete(row.callId)) this.openUntil.delete(row.callId);
    if (row.committed && row.ratedRevision === null && hasDraws(row.draws)) {
      const prev = this.unrated.get(row.callId);
      this.unrated.set(row.callId, { lineId: row.lineId, draws: row.draws, atMs: prev?.atMs ?? nowMs });
    } else this.unrated.delete(row.callId);
  }

  /** What a decision on a line needs: everything the account's other calls hold, as of now. */
  holdings(lineId: string, callId: string, nowMs: number, unratedHoldMs: number): LineHoldings {
    // Decimal arithmetic only when some other call holds credit, and an object for the allowance only when
    // some other call holds some (most decisions find neither).
    let reserved: Decimal | string = '0';
    let channels = 0;
    let held = NO_DRAWS;
    if (this.open.size > 0) {
      for (const [id, until] of this.openUntil) {
        if (id === callId || until <= nowMs) continue;
        const c = this.open.get(id)!;
        if (c.reserved !== '0') reserved = reserved === '0' ? c.reserved : (typeof reserved === 'string' ? new Decimal(reserved) : reserved).plus(c.reserved);
        if (c.lineId !== lineId) continue;
        if (c.holdsChannel) channels++;
        if (hasDraws(c.draws)) addDraws(held === NO_DRAWS ? (held = {}) : held, c.draws);
      }
    }
    if (this.unrated.size > 0) {
      for (const [id, u] of this.unrated) if (id !== callId && u.lineId === lineId && u.atMs > nowMs - unratedHoldMs) addDraws(held === NO_DRAWS ? (held = {}) : held, u.draws);
    }
    return { reserved: typeof reserved === 'string' ? reserved : reserved.toFixed(), channelsInUse: channels, heldDraws: held, standing: this.standing, reported: this.allowances.get(lineId) ?? null, call: this.call(callId) ?? null };
  }

  /** The open reservations that have lapsed by nowMs (they no longer count; the sweep marks them expired). */
  lapsed(nowMs: number): CallRow[] {
    const out: CallRow[] = [];
    for (const [id, until] of this.openUntil) if (until <= nowMs) out.push(this.open.get(id)!);
    return out;
  }

  /** Merges rating's report of a line's buckets as charging.apply_writes merges it in PostgreSQL. */
  report(r: ReportedBuckets & { lineId: string }): void {
    const prev = this.allowances.get(r.lineId);
    const value = { offerId: r.offerId, periodKey: r.periodKey, at: r.at, remaining: r.remaining };
    if (!prev || prev.offerId !== r.offerId || r.periodKey > prev.periodKey) this.allowances.set(r.lineId, value);
    else if (r.periodKey === prev.periodKey) this.allowances.set(r.lineId, { ...value, remaining: { ...prev.remaining, ...r.remaining } });
  }

  /** Drops a call from memory (written long enough ago). */
  drop(callId: string): void {
    this.calls.delete(callId);
    if (this.index.get(callId) === this.accountId) this.index.delete(callId);
  }

  /** Drops every call from the index (the state itself is being forgotten). */
  unindex(): void {
    for (const id of this.calls.keys()) if (this.index.get(id) === this.accountId) this.index.delete(id);
  }

  /** Runs fn after the account's previous exclusive work (top-ups, adjustments) has finished. */
  serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(fn, fn);
    this.exclusive = run.catch(() => undefined);
    return run;
  }
}

/** A group commit goes without waiting out its delay once this many decisions are queued, and takes no more. */
const MAX_BATCH = 1000;

/** A queued decision's writes; resolve and reject only when someone waits for the commit (see enqueue). */
type Submission = { seq: number; writes: Writes; accounts: readonly string[]; resolve?: () => void; reject?: (err: Error) => void };

export type StoreOptions = {
  databaseUrl: string;
  pool: pg.Pool;
  logger: Logger;
  termsOf: (accountId: string, fallbackCurrency?: string) => AccountTerms;
  linesOf: (accountId: string) => string[];
  unratedHoldHours: number;
  /** How long the writer waits to gather a group commit once it has something (0: only what arrives while the previous one commits). */
  groupCommitDelayMs: number;
  /** How long a closed call stays in memory after it is written (to answer repeats without PostgreSQL). */
  closedCallMemoryMs?: number;
  /** How long an account's state stays in memory unused once nothing of it is open or unwritten. */
  idleAccountMemoryMs?: number;
  /**
   * Runs after a commit that wrote balance events of writes nobody waits for (enqueue: a switch's decisions), to
   * publish them soon; whoever waits for a commit (submit) publishes its own.
   */
  afterEvents?: () => void;
};

/**
 * The lease, the states of the accounts this instance owns, and the write-behind queue. Losing the lease
 * (its connection dies: a PostgreSQL restart, a network cut) forgets every state and fails every write not
 * yet committed; the accounts are loaded again from PostgreSQL once the lease is back.
 */
export class AccountStore {
  private readonly states = new Map<string, AccountState>();
  /** Call -> account, for the calls held in memory. */
  private readonly index = new Map<string, string>();
  private readonly loading = new Map<string, Promise<AccountState>>();
  private client: pg.Client | null = null;
  private owned = false;
  private started = false;
  private stopping = false;
  private retry: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private queue: Submission[] = [];
  /** When the oldest write in the queue was queued (performance.now()). */
  private queuedSince = 0;
  private writing: Promise<void> | null = null;
  private nextSeq = 1;
  /** Every write up to this one is committed (they commit in order). */
  private committedSeq = 0;
  private waiters: { seq: number; resolve: () => void }[] = [];
  private lookups: Map<string, { resolve: (r: CallRow | null) => void; reject: (e: Error) => void }[]> | null = null;
  private generation = 0;
  /** Every call id in PostgreSQL or created here since the lease was taken (null while it is being filled). */
  private filter: IdFilter | null = null;
  /** Why writes nobody waited for failed since the last report (see fail). */
  private unwritten: string[] = [];
  readonly unratedHoldMs: number;

  constructor(private readonly o: StoreOptions) {
    this.unratedHoldMs = o.unratedHoldHours * 3600_000;
  }

  get isOwner(): boolean {
    return this.owned && !this.stopping;
  }

  /** Takes the lease, waiting while another instance holds it (a restarted process waits for its dead predecessor's session to end). */
  async start(): Promise<void> {
    let waited = 0;
    while (!(await this.tryAcquire())) {
      if (waited % 10_000 === 0) this.o.logger.warn('another charging instance holds the real-time lease; waiting for it');
      await new Promise((r) => setTimeout(r, 500));
      waited += 500;
      if (this.stopping) throw new Error('stopped while waiting for the real-time lease');
    }
    this.started = true;
    this.sweeper = setInterval(() => this.forgetClosedCalls(), 1000);
    this.sweeper.unref();
  }

  private async tryAcquire(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.o.databaseUrl, application_name: 'charging-owner' });
    client.on('error', (err) => this.lost(client, err));
    try {
      await client.connect();
      const { rows } = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [LEASE_KEY]);
      if (!rows[0]?.ok) {
        await client.end();
        return false;
      }
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'could not take the real-time lease; will retry');
      await client.end().catch(() => undefined);
      return false;
    }
    client.on('end', () => this.lost(client, new Error('the lease connection ended')));
    this.client = client;
    try {
      // Before anything is decided: every call id a previous owner wrote (none is written after the lease moved).
      this.filter = await this.fillFilter(client);
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'could not read the call ids; every new session id is looked up until the lease is taken again');
      this.filter = null;
    }
    if (this.client !== client) return false; // the connection died meanwhile
    this.owned = true;
    this.o.logger.info('real-time lease taken: this instance owns the accounts');
    return true;
  }

  /** The call ids in PostgreSQL, read in pages by key. */
  private async fillFilter(client: pg.Client): Promise<IdFilter> {
    const { rows } = await client.query<{ n: string }>('select count(*)::text as n from charging.calls');
    const filter = new IdFilter(Math.max(1_000_000, 2 * Number(rows[0]!.n)));
    let after = '';
    for (;;) {
      const page = await client.query<{ id: string }>({ name: 'charging.call_ids', text: 'select call_id as id from charging.calls where call_id > $1 order by call_id limit 50000', values: [after] });
      for (const r of page.rows) filter.add(r.id);
      if (page.rows.length < 50_000) return filter;
      after = page.rows[page.rows.length - 1]!.id;
    }
  }

  /** Whether a call id may exist in PostgreSQL (false: certainly not, no lookup needed). */
  mayExist(callId: string): boolean {
    return this.filter === null || this.filter.mayContain(callId);
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.filter = null;
    this.owned = false;
    this.generation++;
    this.states.clear();
    this.index.clear();
    this.loading.clear();
    const failed = this.queue;
    this.queue = [];
    for (const s of failed) this.fail(s, new NotOwnerError(`the real-time lease was lost (${err.message}); the write was not made`));
    this.reportUnwritten();
    if (!this.writing) this.settle(this.nextSeq - 1);
    // While starting, start() itself tries again.
    if (this.stopping || !this.started) return;
    this.o.logger.error({ err: err.message }, 'real-time lease lost: every account state is forgotten; taking it again');
    const again = () => {
      this.retry = null;
      void this.tryAcquire().then((ok) => {
        if (!ok && !this.stopping) this.retry = setTimeout(again, 1000);
      });
    };
    this.retry = setTimeout(again, 200);
  }

  /** Writes what is pending, then gives the lease up (the next instance loads the accounts from PostgreSQL). */
  async stop(): Promise<void> {
    await this.flushed().catch(() => undefined);
    this.stopping = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.sweeper) clearInterval(this.sweeper);
    const client = this.client;
    this.client = null;
    this.owned = false;
    await client?.end().catch(() => undefined);
  }

  /** Waits (up to timeoutMs) while the lease is being taken again, e.g. for a consumer's batch after a PostgreSQL restart. */
  async whenOwner(timeoutMs = 30_000): Promise<void> {
    for (let waited = 0; !this.isOwner && !this.stopping && waited < timeoutMs; waited += 100) await new Promise((r) => setTimeout(r, 100));
    this.check();
  }

  private check(): void {
    if (!this.isOwner) throw new NotOwnerError('this charging instance does not hold the real-time lease at the moment (another instance owns the accounts, or it is taking them over); retry');
  }

  /** The account's state, loaded from PostgreSQL on first use. */
  state(accountId: string, fallbackCurrency?: string): Promise<AccountState> | AccountState {
    this.check();
    const s = this.states.get(accountId);
    if (s) {
      s.lastUsedMs = Date.now();
      return s;
    }
    let p = this.loading.get(accountId);
    if (!p) {
      const generation = this.generation;
      p = this.load(accountId, fallbackCurrency).then(
        (s) => {
          this.loading.delete(accountId);
          if (generation !== this.generation) return this.state(accountId, fallbackCurrency);
          this.states.set(accountId, s);
          return s;
        },
        (err) => {
          this.loading.delete(accountId);
          throw err;
        },
      );
      this.loading.set(accountId, p);
    }
    return p;
  }

  /** Whether a state is still the one in force (not forgotten after a failed write or a lost lease). */
  isCurrent(s: AccountState): boolean {
    return this.states.get(s.accountId) === s;
  }

  /** Forgets a state (memory may be ahead of PostgreSQL by a write that failed): the next use loads it again. */
  forget(s: AccountState): void {
    if (this.states.get(s.accountId) !== s) return;
    this.states.delete(s.accountId);
    s.unindex();
  }

  /** The account of a call held in memory. */
  accountOfCall(callId: string): string | undefined {
    return this.index.get(callId);
  }

  /** Loaded states only. */
  loaded(accountId: string): AccountState | undefined {
    return this.states.get(accountId);
  }

  /**
   * The account's state once a load in flight has finished (for a writer that has just changed PostgreSQL
   * behind the state, e.g. dunning's standing: a load that began before that write must not hide it).
   */
  async settled(accountId: string): Promise<AccountState | undefined> {
    await this.loading.get(accountId)?.catch(() => undefined);
    return this.states.get(accountId);
  }

  private async load(accountId: string, fallbackCurrency?: string): Promise<AccountState> {
    // A state forgotten while its writes were queued (a decision that threw) is read back only once they are in.
    await this.flushed();
    const terms = this.o.termsOf(accountId, fallbackCurrency);
    type Loaded = {
      account: LockedAccountRow;
      standing: { standing: AccountStanding; reason: string | null } | null;
      open: CallRow[];
      unrated: { callId: string; lineId: string; draws: Record<string, number>; at: string }[];
      allowances: (ReportedBuckets & { lineId: string })[];
    };
    const { rows } = await this.o.pool.query<{ r: Loaded }>({
      name: 'charging.load_account',
      text: 'select charging.load_account($1, $2, $3, $4, $5) as r',
      values: [accountId, terms.currency, terms.policy.mode, this.o.linesOf(accountId), Math.trunc(this.o.unratedHoldHours)],
    });
    const r = rows[0]!.r;
    const a = r.account;
    const s = new AccountState(
      accountId,
      {
        accountId,
        currency: a.currency,
        state: { balance: String(a.balance), mode: a.mode, blocked: a.blocked },
        recharges: a.recharge_period === null ? null : { period: a.recharge_period, count: a.recharge_count },
      },
      r.standing,
      this.index,
      (id) => this.filter?.add(id),
    );
    const now = Date.now();
    for (const c of r.open) s.put(c, 0, now);
    for (const u of r.unrated) if (!s.unrated.has(u.callId)) s.unrated.set(u.callId, { lineId: u.lineId, draws: u.draws, atMs: Date.parse(u.at) });
    for (const al of r.allowances) s.allowances.set(al.lineId, { offerId: al.offerId, periodKey: al.periodKey, at: al.at, remaining: al.remaining });
    return s;
  }

  /** A ledger book over the states' balances: postings move them in memory at once. */
  book(states: AccountState[], termsOf: (accountId: string) => AccountTerms): LedgerBook {
    return LedgerBook.over(new Map(states.map((s) => [s.accountId, s.account])), termsOf);
  }

  /**
   * A call this instance does not hold in memory, from PostgreSQL (calls asked for in the same tick share one
   * query). While it is read, the account's closed calls stay in memory, so what comes back is never older
   * than what memory had.
   */
  async lookup(s: AccountState | null, callId: string): Promise<CallRow | null> {
    if (s) s.reading++;
    try {
      return await new Promise<CallRow | null>((resolve, reject) => {
        if (!this.lookups) {
          this.lookups = new Map();
          setImmediate(() => void this.runLookups());
        }
        const waiting = this.lookups.get(callId);
        if (waiting) waiting.push({ resolve, reject });
        else this.lookups.set(callId, [{ resolve, reject }]);
      });
    } finally {
      if (s) s.reading--;
    }
  }

  private async runLookups(): Promise<void> {
    const batch = this.lookups!;
    this.lookups = null;
    try {
      const found = await readCalls(this.o.pool, [...batch.keys()], { lock: false, name: 'charging.lookup_calls' });
      for (const [id, waiting] of batch) for (const w of waiting) w.resolve(found.get(id) ?? null);
    } catch (err) {
      for (const waiting of batch.values()) for (const w of waiting) w.reject(err as Error);
    }
  }

  /**
   * Queues a decision's writes; they are committed in decision order, with others, in one transaction. The
   * promise resolves once they are committed (durably when they move money). Returns the write's sequence
   * number (calls decided in it stay in memory at least until it is committed).
   */
  submit(writes: Writes, accounts: readonly string[]): { seq: number; committed: Promise<void> } {
    let seq = 0;
    const committed = new Promise<void>((resolve, reject) => {
      seq = this.push({ seq: 0, writes, accounts, resolve, reject });
    });
    return { seq, committed };
  }

  /**
   * Queues a decision's writes that nobody waits for (a switch's answer does not wait for PostgreSQL): no
   * promise or callbacks per decision. A failure is logged, and the account is read again from PostgreSQL, as
   * for submit; after a commit that wrote balance events of such writes, the store's afterEvents hook runs (to
   * publish them).
   */
  enqueue(writes: Writes, accounts: readonly string[]): number {
    return this.push({ seq: 0, writes, accounts });
  }

  private push(sub: Submission): number {
    this.check();
    const seq = (sub.seq = this.nextSeq++);
    for (const a of sub.accounts) {
      const s = this.states.get(a);
      if (s) s.lastSeq = seq;
    }
    if (this.queue.length === 0) this.queuedSince = performance.now();
    this.queue.push(sub);
    if (!this.writing) this.writing = this.writeLoop();
    return seq;
  }

  /**
   * Resolves when everything submitted so far is committed or has failed (reads of PostgreSQL see it then),
   * however busy the writer stays with what is submitted after.
   */
  flushed(): Promise<void> {
    const seq = this.nextSeq - 1;
    if (this.committedSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ seq, resolve }));
  }

  /** Marks every write up to seq settled (committed or failed) and wakes who waits for them. */
  private settle(seq: number): void {
    if (seq > this.committedSeq) this.committedSeq = seq;
    if (this.waiters.length === 0) return;
    const still: { seq: number; resolve: () => void }[] = [];
    for (const w of this.waiters) (w.seq <= this.committedSeq ? w.resolve() : still.push(w));
    this.waiters = still;
  }

  private async writeLoop(): Promise<void> {
    try {
      for (;;) {
        // Batch by time and size: the oldest queued write waits at most the delay (counting the time it already
        // waited while the previous commit ran), and a full batch goes at once.
        const wait = this.queuedSince + this.o.groupCommitDelayMs - performance.now();
        if (wait >= 1 && this.queue.length > 0 && this.queue.length < MAX_BATCH) await new Promise((r) => setTimeout(r, wait));
        // At most MAX_BATCH decisions per transaction: after a slow commit (a starved machine, a busy disk)
        // the queue can hold tens of thousands, and serialising them all at once would hold the event loop
        // for hundreds of milliseconds. The rest go next, without waiting.
        let batch: Submission[];
        if (this.queue.length <= MAX_BATCH) {
          batch = this.queue;
          this.queue = [];
        } else {
          batch = this.queue.splice(0, MAX_BATCH);
          this.queuedSince = 0;
        }
        if (batch.length === 0) break;
        await this.commit(batch);
      }
    } finally {
      this.writing = null;
      // Nothing queued: every write submitted so far was committed or failed.
      this.settle(this.nextSeq - 1);
    }
  }

  /** One transaction for the batch; if it fails, each write alone, and an account whose write fails is forgotten. */
  private async commit(batch: Submission[]): Promise<void> {
    const client = this.client;
    if (!client) {
      for (const s of batch) this.fail(s, new NotOwnerError('the real-time lease was lost; the write was not made'));
      this.reportUnwritten();
      return;
    }
    try {
      const writes = merge(batch.map((s) => s.writes));
      await this.apply(client, writes);
      let unwaitedEvents = false;
      for (const s of batch) {
        if (s.resolve) s.resolve();
        else if (s.writes.events?.length) unwaitedEvents = true;
      }
      if (unwaitedEvents) this.o.afterEvents?.();
      this.settle(batch[batch.length - 1]!.seq);
      return;
    } catch (err) {
      if (this.client !== client) {
        for (const s of batch) this.fail(s, err as Error);
        this.reportUnwritten();
        return;
      }
      this.o.logger.error({ err: (err as Error).message, writes: batch.length }, 'group commit failed; writing each decision alone');
    }
    const failedAccounts = new Set<string>();
    for (const s of batch) {
      if (s.accounts.some((a) => failedAccounts.has(a))) {
        // Decided on a memory that included the failed write: dropped, and its other accounts are read again too.
        for (const a of s.accounts) failedAccounts.add(a);
        this.fail(s, new Error('an earlier write of the account failed; this one was dropped with it'));
        continue;
      }
      try {
        await this.apply(client, s.writes);
        if (s.resolve) s.resolve();
        else if (s.writes.events?.length) this.o.afterEvents?.();
      } catch (err) {
        this.o.logger.error({ err: (err as Error).message, accounts: s.accounts }, 'a write failed: the accounts are loaded again from PostgreSQL');
        for (const a of s.accounts) failedAccounts.add(a);
        this.fail(s, err as Error);
      }
    }
    // Writes queued meanwhile for these accounts were decided on the same memory: dropped with them (and their
    // other accounts with them, until nothing queued touches a dropped account).
    if (failedAccounts.size > 0) {
      for (let dropped = true; dropped; ) {
        dropped = false;
        this.queue = this.queue.filter((s) => {
          if (!s.accounts.some((a) => failedAccounts.has(a))) return true;
          for (const a of s.accounts) if (!failedAccounts.has(a)) (failedAccounts.add(a), (dropped = true));
          this.fail(s, new Error('an earlier write of the account failed; this one was dropped with it'));
          return false;
        });
      }
    }
    this.reportUnwritten();
    // Memory is ahead of PostgreSQL for these accounts by the dropped writes: forget it, read it again.
    for (const a of failedAccounts) {
      const s = this.states.get(a);
      if (s) this.forget(s);
    }
    this.settle(batch[batch.length - 1]!.seq);
  }

  /** Fails a queued write: its waiter is told, or (nobody waits: a switch's decision) it is counted for the log. */
  private fail(s: Submission, err: Error): void {
    if (s.reject) s.reject(err);
    else this.unwritten.push(err.message);
  }

  private reportUnwritten(): void {
    if (this.unwritten.length === 0) return;
    this.o.logger.warn({ decisions: this.unwritten.length, err: this.unwritten[0] }, 'credit decisions were not written; their accounts are read again from PostgreSQL');
    this.unwritten = [];
  }

  private async apply(client: pg.Client, writes: Writes): Promise<void> {
    // Writes that move no money (reservations held, extended, released) need not wait for the disk: lost in a
    // crash, a reservation only frees its credit early and the call is still charged once by its rated CDR.
    const durable = Boolean(writes.ledger?.length);
    // One prepared statement in its own transaction (an error rolls all of it back); the writes travel as its
    // parameter, copied once into the protocol buffer.
    await client.query({ name: 'charging.apply_writes', text: 'select charging.apply_writes_v3($1::json, $2)', values: [JSON.stringify(writes), durable] });
  }

  /**
   * Drops closed calls written a while ago from memory (a repeat for them reads PostgreSQL), and the states of
   * accounts idle for a while with nothing open and everything written (the next use loads them again), so
   * memory follows the accounts in use, not all accounts ever seen.
   */
  private forgetClosedCalls(): void {
    const now = Date.now();
    // Short: a switch's repeat comes within a second or two; a call kept longer is only old-generation garbage
    // for the collector to mark (at switch rates, tens of thousands of calls).
    const before = now - (this.o.closedCallMemoryMs ?? 3_000);
    const idleBefore = now - (this.o.idleAccountMemoryMs ?? 600_000);
    for (const s of [...this.states.values()]) {
      if (s.reading > 0) continue;
      for (const [id, h] of s.calls) if (h.row.status !== 'active' && h.seq <= this.committedSeq && h.touchedMs < before) s.drop(id);
      if (s.calls.size === 0 && s.open.size === 0 && s.lastSeq <= this.committedSeq && s.lastUsedMs < idleBefore) this.forget(s);
    }
  }

  /**
   * Marks the lapsed reservations held in memory expired (they stopped counting when they lapsed) and writes
   * them; returns how many.
   */
  expireLapsed(nowMs = Date.now()): number {
    if (!this.isOwner) return 0;
    let n = 0;
    for (const s of this.states.values()) {
      if (s.open.size === 0) continue;
      const lapsed = s.lapsed(nowMs).map((c): CallRow => ({ ...c, status: 'expired', reserved: '0' }));
      if (lapsed.length === 0) continue;
      const seq = this.enqueue({ calls: lapsed }, [s.accountId]);
      for (const c of lapsed) s.put(c, seq, nowMs);
      n += lapsed.length;
    }
    return n;
  }
}

/**
 * Many decisions' writes as one: ledger entries and balance events in decision order, the last balance of an
 * account, the last state of a call, and allowance reports merged per line as charging.apply_writes merges
 * them (so one statement never touches a row twice).
 */
export function merge(all: Writes[]): Writes {
  if (all.length === 1) return all[0]!;
  const ledger: LedgerRow[] = [];
  const events: unknown[] = [];
  const balances = new Map<string, BalanceRow>();
  const calls = new Map<string, CallRow>();
  const allowances = new Map<string, AllowanceRow>();
  for (const w of all) {
    if (w.ledger) for (const e of w.ledger) ledger.push(e);
    if (w.events) for (const e of w.events) events.push(e);
    if (w.balances) for (const b of w.balances) balances.set(b.account_id, b);
    if (w.calls) for (const c of w.calls) calls.set(c.callId, c);
    if (w.allowances) for (const r of w.allowances) {
      const prev = allowances.get(r.line_id);
      if (!prev || r.offer_id !== prev.offer_id || r.period_key > prev.period_key) allowances.set(r.line_id, r);
      else if (r.period_key === prev.period_key) allowances.set(r.line_id, { ...r, remaining: { ...prev.remaining, ...r.remaining } });
    }
  }
  return { ledger, events, balances: [...balances.values()], calls: [...calls.values()], allowances: [...allowances.values()] };
}
