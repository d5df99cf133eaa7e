/** A request header's value by its lower-case name, as a Request's `headers.get` or Node's `headers[name]`. */
export type HeaderReader = (name: string) => string | null | undefined;

/** The first value of a header that proxies may have turned into a comma-separated list. */
function firstValue(header: string | null | undefined): string | undefined {
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
 * Whether a browser sent the request from another site (CSRF), by the check Next.js applies to Server
 * Actions: the host of `Origin` must equal the request's own host, from X-Forwarded-Host when a proxy set it,
 * else Host. A request without `Origin` is not: browsers send it on every cross-origin POST, so its absence
 * means curl or another server, which carry no visitor's cookies to abuse. No imports: the production server
 * asks this of a page's form post before Next.js sees it.
 */
export function isCrossOrigin(header: HeaderReader): boolean {
  const origin = header('origin');
  if (origin === null || origin === undefined) return false;
  const ownHost = firstValue(header('x-forwarded-host')) ?? header('host');
  return ownHost === null || ownHost === undefined || hostOf(origin) !== ownHost.toLowerCase();
}
