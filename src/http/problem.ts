import * as v from 'valibot';
import { outcomeOf } from '../db/errors';
import type { Outcome } from '../errors';
import type { FieldErrors } from '../validation';
import { problemJson } from './problem-json';

/**
 * The body of every error answer (RFC 9457), as the API description promises it. Loose: RFC 9457 lets a
 * problem carry extension members (the health check adds its own).
 */
export const ProblemDetails = v.looseObject({
  type: v.pipe(v.string(), v.description('The kind of problem; `about:blank` means the status says it all.')),
  title: v.pipe(v.string(), v.description("The status code's reason phrase.")),
  status: v.pipe(v.number(), v.integer(), v.minValue(400), v.maxValue(599)),
  detail: v.pipe(v.string(), v.description('What went wrong with this request, for a person to read.')),
  errors: v.optional(
    v.pipe(
      v.record(v.string(), v.array(v.string())),
      v.description('Validation failures: each field with its messages; `$` for the body as a whole.'),
    ),
  ),
});

/** The same, named for the API description. */
export const Problem = v.pipe(ProblemDetails, v.title('Problem'));

interface HttpErrorOptions {
  errors?: FieldErrors;
  headers?: HeadersInit;
  cause?: unknown;
}

/**
 * A refusal of the request itself, before the domain is asked (a malformed body, a missing token, …). Its
 * status decides the response; `detail` is written for the client, so it never carries SQL, a stack or a path.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly errors: FieldErrors | undefined;
  readonly headers: HeadersInit | undefined;

  constructor(status: number, detail: string, options: HttpErrorOptions = {}) {
    super(detail, { cause: options.cause });
    this.name = 'HttpError';
    this.status = status;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  toResponse(): Response {
    return problemResponse(this.status, this.message, { errors: this.errors, headers: this.headers });
  }
}

export const badRequest = (detail: string) => new HttpError(400, detail);

/** An RFC 9457 problem response (see problemJson). */
export function problemResponse(
  status: number,
  detail: string,
  options: { errors?: FieldErrors; headers?: HeadersInit; extra?: Record<string, unknown> } = {},
): Response {
  const body = problemJson(status, detail, {
    ...options.extra,
    ...(options.errors && { errors: options.errors }),
  });
  const headers = new Headers(options.headers);
  headers.set('Content-Type', 'application/problem+json');
  headers.set('Cache-Control', 'no-store');
  return new Response(body, { status, headers });
}

/** The status of each domain outcome: the one place where the domain's words become HTTP's. */
const OUTCOME_STATUS: Record<Outcome, number> = {
  invalid: 422,
  not_found: 404,
  precondition_failed: 412,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  unavailable: 503,
};

/**
 * Turns anything a handler threw into a response: a refusal as it is, a domain outcome (a driver's error
 * included, when it means the database is unavailable) by its status; anything else is a fault of ours,
 * logged and answered with a bare 500 that says nothing of the cause.
 */
export function errorToResponse(error: unknown): Response {
  if (error instanceof HttpError) return error.toResponse();
  const outcome = outcomeOf(error);
  if (outcome) {
    const status = OUTCOME_STATUS[outcome.outcome];
    if (status >= 500) console.error(`[api] ${outcome.message}`, outcome.cause ?? '');
    const headers =
      outcome.retryAfterSeconds === undefined
        ? undefined
        : { 'Retry-After': String(outcome.retryAfterSeconds) };
    return problemResponse(status, outcome.message, { headers });
  }
  console.error('[api] unexpected error', error);
  return problemResponse(500, 'The server could not complete the request.');
}
