export interface CatalogueIssue {
  /** Where the problem is, e.g. "versions[0].priceLists[1].rates[3].increments.initial". */
  readonly path: string;
  readonly message: string;
}

/** Thrown by parseCatalogue; `issues` lists every problem found, each with its exact path. */
export class CatalogueValidationError extends Error {
  readonly code = 'invalid_catalogue';
  readonly issues: readonly CatalogueIssue[];

  constructor(issues: readonly CatalogueIssue[]) {
    const shown = issues.slice(0, 20).map((i) => `  - ${i.path || '(root)'}: ${i.message}`);
    if (issues.length > 20) shown.push(`  ... and ${issues.length - 20} more`);
    super(`invalid catalogue (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${shown.join('\n')}`);
    this.name = 'CatalogueValidationError';
    this.issues = issues;
  }
}

/** ["versions", 0, "rates", 3, "increments"] -> "versions[0].rates[3].increments" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out;
}
