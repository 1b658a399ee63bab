import { z } from 'zod';
import { MoneyAmount } from '@rcp/contracts';
import { currencyMinorUnits, Decimal } from '@rcp/domain';
import type { Principal } from '../auth/roles.js';
import { ApiError, conflict, refused } from '../http/errors.js';
import { requireUpstream } from '../upstream/clients.js';
import { Reply, scopedCustomer, scopedPartner, type Deps } from './context.js';

export const TopUp = z
  .object({
    amount: MoneyAmount,
    /** The same key sent again tops up once (here and in charging's ledger). */
    idempotencyKey: z.string().min(1).max(150),
  })
  .strict();

export const PeriodKey = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a period is keyed by its first day, YYYY-MM-DD");

/**
 * Tops up prepaid credit. Charging owns the ledger, so the top-up is posted there over its API, under a
 * key derived from this request's: a retry here, or charging seeing it twice, credits once. The request
 * is recorded first, so who asked for what stays on file whatever charging answers.
 */
export async function topUp(deps: Deps, actor: Principal, accountId: string, input: z.output<typeof TopUp>, waitMs: number): Promise<Reply<{ status: string; balance: string; accountId: string; amount: string; currency: string }>> {
  const customer = await scopedCustomer(deps.pool, actor, accountId, 'topup.create');
  const amount = new Decimal(input.amount);
  if (amount.lte(0)) throw refused('amount_not_positive', 'a top-up must be a positive amount');
  const minor = currencyMinorUnits(customer.currency);
  if (amount.decimalPlaces() > minor) throw refused('amount_precision', `${customer.currency} amounts have at most ${minor} decimals; got ${input.amount}`);
  const charging = requireUpstream(deps.upstream.charging, 'charging');

  const inserted = await deps.pool.query(
    `insert into provisioning.top_ups (account_id, idempotency_key, amount, currency, requested_by) values ($1, $2, $3, $4, $5) on conflict do nothing`,
    [accountId, input.idempotencyKey, amount.toFixed(), customer.currency, actor.keyId],
  );
  if (inserted.rowCount === 0) {
    const { rows } = await deps.pool.query<{ amount: string }>('select amount::text as amount from provisioning.top_ups where account_id = $1 and idempotency_key = $2', [accountId, input.idempotencyKey]);
    if (!new Decimal(rows[0]!.amount).eq(amount)) throw conflict('idempotency_key_reused', `key ${input.idempotencyKey} was used for a top-up of ${rows[0]!.amount}; a different amount needs a new key`);
  }

  // Charging learns of an account from account.events: one created a moment ago may not be there yet.
  const deadline = Date.now() + waitMs;
  for (;;) {
    const answer = await charging.call<{ status: string; balance: string; error?: string; message?: string }>(
      'POST',
      `/v1/accounts/${encodeURIComponent(accountId)}/top-ups`,
      { amount: amount.toFixed(), idempotencyKey: `provisioning:${accountId}:${input.idempotencyKey}` },
    );
    if (answer.status === 200 || answer.status === 201) {
      // A repeated key is answered without a balance: the balance is then read as it stands.
      if (answer.body.balance === null || answer.body.balance === undefined) {
        const now = await charging.call<{ balance?: string }>('GET', `/v1/accounts/${encodeURIComponent(accountId)}/balance`);
        answer.body.balance = now.body?.balance ?? null!;
      }
      await deps.pool.query(`update provisioning.top_ups set status = $3, balance_after = $4 where account_id = $1 and idempotency_key = $2`, [
        accountId,
        input.idempotencyKey,
        answer.body.status,
        answer.body.balance,
      ]);
      return new Reply(answer.status, { accountId, amount: amount.toFixed(), currency: customer.currency, status: answer.body.status, balance: answer.body.balance });
    }
    if (answer.status === 404 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (answer.status === 404) throw new ApiError(503, 'charging_not_ready', `charging does not know account ${accountId} yet; retry with the same idempotency key`);
    throw new ApiError(502, 'charging_refused', `charging refused the top-up: ${answer.body.error ?? answer.status} ${answer.body.message ?? ''}`.trim());
  }
}

type Invoice = { accountId: string; [k: string]: unknown };

/** A customer's invoices, as invoicing issued them. */
export async function listInvoices(deps: Deps, actor: Principal, accountId: string): Promise<{ accountId: string; invoices: Invoice[] }> {
  await scopedCustomer(deps.pool, actor, accountId, 'invoices.read');
  const answer = await requireUpstream(deps.upstream.invoicing, 'invoicing').call<{ invoices: Invoice[] }>('GET', `/v1/invoices?accountId=${encodeURIComponent(accountId)}`);
  if (answer.status !== 200) throw new ApiError(502, 'invoicing_refused', `invoicing answered ${answer.status}`);
  // Filtered again here: what reaches the caller is only ever the account it may see.
  return { accountId, invoices: answer.body.invoices.filter((i) => i.accountId === accountId) };
}

type UsageRow = { accountId: string; records: number; voiceCalls: number; voiceSeconds: number; retail: string; wholesale: string };

async function periodUsage(deps: Deps, periodKey: string): Promise<UsageRow[]> {
  const answer = await requireUpstream(deps.upstream.invoicing, 'invoicing').call<{ accounts: UsageRow[] }>('GET', `/v1/periods/${periodKey}/usage`);
  if (answer.status !== 200) throw new ApiError(502, 'invoicing_refused', `invoicing answered ${answer.status}`);
  return answer.body.accounts;
}

/**
 * A customer's traffic report for a period. The customer sees its retail prices only; its partner (and the
 * back-office) also see the wholesale cost (DOMAIN.md: the partner's report carries both).
 */
export async function customerUsage(deps: Deps, actor: Principal, accountId: string, periodKey: string) {
  await scopedCustomer(deps.pool, actor, accountId, 'reports.read');
  const row = (await periodUsage(deps, periodKey)).find((r) => r.accountId === accountId);
  const usage = row ?? { accountId, records: 0, voiceCalls: 0, voiceSeconds: 0, retail: '0', wholesale: '0' };
  if (actor.role === 'customer') {
    const { wholesale: _w, ...retailOnly } = usage;
    return { periodKey, ...retailOnly };
  }
  return { periodKey, ...usage };
}

/** A partner's overall traffic report: its customers only, with retail and wholesale totals. */
export async function partnerUsage(deps: Deps, actor: Principal, partnerId: string, periodKey: string) {
  scopedPartner(actor, partnerId, 'reports.read');
  const { rows } = await deps.pool.query<{ account_id: string }>('select account_id from provisioning.customers where partner_id = $1', [partnerId]);
  const mine = new Set(rows.map((r) => r.account_id));
  const customers = (await periodUsage(deps, periodKey)).filter((r) => mine.has(r.accountId));
  const total = (pick: (r: UsageRow) => string) => customers.reduce((s, r) => s.plus(pick(r) ?? '0'), new Decimal(0)).toFixed();
  return { partnerId, periodKey, customers, totals: { retail: total((r) => r.retail), wholesale: total((r) => r.wholesale) } };
}
