import { HttpError } from './problem';

/** The first value of a header that proxies may have turned into a comma-separated list. */
function firstValue(header: string | null): string | undefined {
  return header?.split(',')[0]?.trim() || undefined;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" (sandboxed frames, some redirects) and garbage match no host
  }
}

/**
 * Refuses a browser request sent from another site (CSRF), with the check Next.js applies to Server Actions:
 * the host of `Origin` must equal the request's own host, from X-Forwarded-Host when a proxy set it, else
 * Host. A request without `Origin` is allowed: browsers send it on every cross-origin POST, so its absence
 * means curl or another server, which carry no visitor's cookies to abuse.
 */
export function requireSameOrigin(request: Request): void {
  if (isCrossOrigin(request)) {
    throw new HttpError(403, 'Cross-origin requests are not accepted; submit from this site.');
  }
}

/** Whether the request carries an `Origin` that is not this site's own host (see requireSameOrigin). */
export function isCrossOrigin(request: Request): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return false;
  const ownHost = firstValue(request.headers.get('x-forwarded-host')) ?? request.headers.get('host');
  return ownHost === null || hostOf(origin) !== ownHost.toLowerCase();
}
