import { STATUS_CODES } from 'node:http';
import * as v from 'valibot';

export type FieldErrors = Record<string, string[]>;

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
 * The one error type the service throws on purpose. Its status decides the response; `detail` is written for
 * the client, so it never carries SQL, a stack or a path. A `cause` is logged by the handler, never sent.
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
export const notFound = (detail = 'No resource exists at this address.') => new HttpError(404, detail);
export const unprocessable = (detail: string, errors: FieldErrors) => new HttpError(422, detail, { errors });

/** RFC 9457 problem details. `type` is about:blank, so `title` is the status's reason phrase. */
export function problemResponse(
  status: number,
  detail: string,
  options: { errors?: FieldErrors; headers?: HeadersInit; extra?: Record<string, unknown> } = {},
): Response {
  const body = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...options.extra,
    ...(options.errors ? { errors: options.errors } : {}),
  };
  const headers = new Headers(options.headers);
  headers.set('Content-Type', 'application/problem+json');
  headers.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { status, headers });
}

/** Turns anything a handler threw into a response; unexpected errors are logged and answered with a bare 500. */
export function errorToResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    if (error.status >= 500 && error.cause) console.error('[api]', error.message, error.cause);
    return error.toResponse();
  }
  console.error('[api] unexpected error', error);
  return problemResponse(500, 'The server could not complete the request.');
}
