import { unavailableError } from '../db/errors';
import { errorToResponse } from './problem';

/**
 * Wraps a route handler so that every thrown error becomes a problem+json response. Route files export
 * `handle(...)` for each method they serve and nothing else.
 */
export function handle<Context>(
  fn: (request: Request, context: Context) => Promise<Response>,
): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => {
    try {
      return await fn(request, context);
    } catch (error) {
      // A database that went away mid-request is a 503 the client may retry, not a 500.
      return errorToResponse(unavailableError(error) ?? error);
    }
  };
}

/** `Response.json` with the headers every JSON answer carries. */
export function json(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json');
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}
