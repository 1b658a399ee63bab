import type { AccountUpserted } from '@rcp/contracts';

export type LineRef = { accountId: string; lineId: string; country: string };

/**
 * Finds the line a CDR belongs to: by its account code, else by its calling number (DOMAIN.md,
 * "Which line and period"). Built from account.events.
 */
export class LineDirectory {
  private readonly byAccountCode = new Map<string, LineRef>();
  private readonly byNumber = new Map<string, LineRef>();
  private readonly accounts = new Map<string, AccountUpserted>();

  apply(account: AccountUpserted | { type: 'account.deleted'; accountId: string }): void {
    const previous = this.accounts.get(account.accountId);
    if (previous) {
      for (const line of previous.lines) {
        for (const code of line.accountCodes) this.byAccountCode.delete(code);
        for (const n of line.numbers) this.byNumber.delete(n);
      }
      this.accounts.delete(account.accountId);
    }
    if (account.type === 'account.deleted') return;
    this.accounts.set(account.accountId, account);
    for (const line of account.lines) {
      const ref = { accountId: account.accountId, lineId: line.lineId, country: account.country };
      for (const code of line.accountCodes) this.byAccountCode.set(code, ref);
      for (const n of line.numbers) this.byNumber.set(n, ref);
    }
  }

  find(accountCode: string | null | undefined, callingNumberE164: string | null): LineRef | undefined {
    if (accountCode) {
      const byCode = this.byAccountCode.get(accountCode);
      if (byCode) return byCode;
    }
    return callingNumberE164 ? this.byNumber.get(callingNumberE164) : undefined;
  }

  /** The line ids of an account, or undefined when the account is unknown. */
  linesOf(accountId: string): string[] | undefined {
    return this.accounts.get(accountId)?.lines.map((l) => l.lineId);
  }

  get size(): number {
    return this.accounts.size;
  }
}
