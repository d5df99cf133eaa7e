import { problemResponse } from './problem';
import { allowedMethods, matchApiRoute } from './routes';

/**
 * Decides a request before it reaches a route file: `OPTIONS` → 204 with `Allow`; a method the route does not
 * serve → 405 with `Allow` and a problem body; an unknown /api path → 404 problem. Returns undefined when the
 * route should handle the request. Next.js's own 405 (empty body, no `Allow`) can therefore never be sent.
 */
export function guardApiRequest(method: string, pathname: string): Response | undefined {
  const pattern = matchApiRoute(pathname);
  if (!pattern) return problemResponse(404, 'No API route exists at this address.');

  const allowed = allowedMethods(pattern);
  const allow = allowed.join(', ');
  if (method === 'OPTIONS') return new Response(null, { status: 204, headers: { Allow: allow } });
  if (!allowed.includes(method)) {
    return problemResponse(405, `${method} is not allowed on ${pattern}; use ${allow}.`, {
      headers: { Allow: allow },
    });
  }
  return undefined;
}
