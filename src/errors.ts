/**
 * What the domain (services, repositories, the database client) says when it cannot do what was asked. Each
 * edge turns these into its own terms: src/http/problem.ts into problem responses, src/forms.ts into form
 * state. `message` is written for the person who asked, never with SQL, a stack or a path.
 */
export type Outcome =
  'invalid' | 'not_found' | 'precondition_failed' | 'conflict' | 'gone' | 'rate_limited' | 'unavailable';

export class DomainError extends Error {
  override name = 'DomainError';

  constructor(
    readonly outcome: Outcome,
    message: string,
    /** When the same request may succeed again (rate limits, a database coming back, a race). */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const unavailable = (cause?: unknown) =>
  new DomainError('unavailable', 'The database is not available right now; try again shortly.', 5, { cause });
