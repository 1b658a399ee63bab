import { CatalogueSchema, type Catalogue, type CatalogueVersion } from './schema.js';
import { checkCatalogue } from './checks.js';
import { CatalogueValidationError, formatPath, type CatalogueIssue } from './errors.js';
import { parseInstantMs } from '../time/instant.js';

/**
 * Validates a catalogue already read from YAML or JSON (any plain value) and returns it typed, with defaults
 * filled in. Throws CatalogueValidationError listing every problem with its exact path.
 */
export function parseCatalogue(input: unknown): Catalogue {
  const parsed = CatalogueSchema.safeParse(input);
  if (!parsed.success) {
    const issues: CatalogueIssue[] = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
    throw new CatalogueValidationError(issues);
  }
  const issues = checkCatalogue(parsed.data);
  if (issues.length > 0) throw new CatalogueValidationError(issues);
  return parsed.data;
}

interface Span {
  readonly from: number;
  readonly to: number;
  readonly version: CatalogueVersion;
}

const spansCache = new WeakMap<Catalogue, readonly Span[]>();

function spansOf(catalogue: Catalogue): readonly Span[] {
  let spans = spansCache.get(catalogue);
  if (!spans) {
    const sorted = [...catalogue.versions].sort((a, b) => parseInstantMs(a.effectiveFrom) - parseInstantMs(b.effectiveFrom));
    spans = sorted.map((version, i) => {
      const next = sorted[i + 1];
      const end = version.effectiveTo ?? next?.effectiveFrom;
      return { from: parseInstantMs(version.effectiveFrom), to: end === undefined ? Number.POSITIVE_INFINITY : parseInstantMs(end), version };
    });
    spansCache.set(catalogue, spans);
  }
  return spans;
}

/**
 * The version in force at an instant (a CDR's start time, ISO-8601 with offset): effectiveFrom inclusive,
 * effectiveTo (or the next version's start) exclusive. Undefined when none is in force or the time is invalid.
 */
export function catalogueVersionAt(catalogue: Catalogue, isoTime: string): CatalogueVersion | undefined {
  const at = parseInstantMs(isoTime);
  if (Number.isNaN(at)) return undefined;
  const spans = spansOf(catalogue);
  for (let i = spans.length - 1; i >= 0; i--) {
    const span = spans[i]!;
    if (at >= span.from) return at < span.to ? span.version : undefined;
  }
  return undefined;
}
