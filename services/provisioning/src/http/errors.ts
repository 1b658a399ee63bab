import type { z } from 'zod';

/**
 * A refusal with a stable snake_case code and a sentence for people. Thrown by the use cases and rules;
 * the HTTP layer answers it as `{ error: code, message, ...details }` with its status.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: 'partner' | 'customer' | 'line' | 'credential', id: string) =>
  new ApiError(404, `${what}_not_found`, `no ${what} ${id}`);

export const forbidden = (code: string, message: string) => new ApiError(403, code, message);

/** A request body or query that fails its zod schema: every problem with its field path. */
export function invalidRequest(error: z.ZodError, code = 'invalid_request'): ApiError {
  return new ApiError(400, code, 'the request does not match its schema', {
    issues: error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/** A request valid in shape that a business rule refuses (422), e.g. channels fixed by the offer. */
export const refused = (code: string, message: string, details: Record<string, unknown> = {}) => new ApiError(422, code, message, details);

export const conflict = (code: string, message: string, details: Record<string, unknown> = {}) => new ApiError(409, code, message, details);
