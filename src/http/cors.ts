import { config } from '../config';
import type { Access } from './access';

/** The request headers a page on an allowed origin may send: what the API reads beyond the safelisted ones. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key';
/** The response headers it may read beyond the safelisted ones: what a client of the API acts on. */
const EXPOSED_HEADERS = 'ETag, Idempotent-Replayed, Link, Location, Retry-After';
/** How long a browser may reuse a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * Which operations a page on another site (listed in CORS_ORIGINS) may call: the public ones, and post writes,
 * which the token guards. The contact form (same-origin, so that no other site posts it in a visitor's name)
 * and the messages view (personal data) never are.
 */
export function crossOriginAllowed(access: Access): boolean {
  return access === 'public' || access === 'post-writes';
}

/** The request's Origin when CORS_ORIGINS lists it: browsers send it exactly as configured origins are kept. */
function listedOrigin(request: Request): string | undefined {
  const origin = request.headers.get('origin');
  return origin !== null && config().corsOrigins.has(origin) ? origin : undefined;
}

/**
 * Lets a listed origin read this answer (any status: a problem is worth reading too). With CORS configured,
 * answers differ by Origin, and `Vary` says so to every cache, whatever this request's origin.
 */
export function withCors(request: Request, response: Response): Response {
  if (config().corsOrigins.size === 0) return response;
  response.headers.append('Vary', 'Origin');
  const origin = listedOrigin(request);
  if (origin !== undefined) {
    response.headers.set('Access-Control-Allow-Origin', origin);
    response.headers.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  }
  return response;
}

/**
 * The answer to a CORS preflight (an OPTIONS with Access-Control-Request-Method), or undefined for a plain
 * OPTIONS. A listed origin asking for one of `methods` is allowed them, with the headers the API reads; any
 * other gets the plain answer, without Access-Control-Allow-Origin, and its browser does not send the request.
 */
export function preflightResponse(
  request: Request,
  methods: readonly string[],
  allow: string,
): Response | undefined {
  const requested = request.headers.get('access-control-request-method');
  if (requested === null || config().corsOrigins.size === 0) return undefined;
  const headers = new Headers({ Allow: allow, Vary: 'Origin' });
  const origin = listedOrigin(request);
  if (origin !== undefined && methods.includes(requested)) {
    headers.set('Access-Control-Allow-Origin', origin);
    headers.set('Access-Control-Allow-Methods', methods.join(', '));
    headers.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    headers.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
  }
  return new Response(null, { status: 204, headers });
}
