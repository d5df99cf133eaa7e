import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { contentSecurityPolicy } from '../http/content-security-policy';
import { isCrossOrigin } from '../http/origin';
import type { Refusal } from './requests';

/**
 * The pages' own rules, applied by the production server before Next.js sees a request, not by a Next.js
 * proxy: with a proxy.ts in the build, Next.js's router does work of its own for every request, the API's
 * included even when the proxy's matcher excludes them (about 7% of a small API request's CPU here).
 */

/** The pages that take a Server Action: the contact form's. Every other page is read-only. */
const ACTION_PAGES = new Set(['/contact']);

/**
 * Whether Next.js answers a request itself rather than with a page, whatever its method:
 * - the build's files and the image endpoint;
 * - in development, the development server's endpoints (`/__nextjs_…`, which its error overlay posts to, and
 *   under `/_next/`, its MCP server's; in production they are 404 pages like any other);
 * - a path it redirects (308) to its clean form: a trailing slash, an empty segment, a backslash (`rawPath`
 *   is the path as sent, `path` as Next.js routes it).
 */
export function isAnsweredByNextJs(rawPath: string, path: string, development: boolean): boolean {
  return (
    path.startsWith('/_next/static/') ||
    path === '/_next/image' ||
    (development && (path.startsWith('/__nextjs_') || path.startsWith('/_next/'))) ||
    (path.length > 1 && path.endsWith('/')) ||
    path.includes('//') ||
    rawPath.includes('\\')
  );
}

/**
 * A page answers GET and HEAD, OPTIONS with its `Allow`, and POST where a form posts its Server Action;
 * every other method gets a 405, where Next.js would render the page. A POST from another site is refused
 * on every path, as what it is (403), before the action machinery runs; so is a POST that is not a form.
 */
export function pageRefusal(method: string, path: string, headers: IncomingHttpHeaders): Refusal | undefined {
  const allow = ACTION_PAGES.has(path) ? 'GET, HEAD, OPTIONS, POST' : 'GET, HEAD, OPTIONS';
  if (method === 'POST' && isCrossOrigin((name) => headerValue(headers, name))) {
    return { status: 403, detail: 'Cross-origin requests are not accepted; submit from this site.' };
  }
  if (method === 'OPTIONS') return { status: 204, detail: '', headers: { Allow: allow } };
  if (!allow.split(', ').includes(method)) {
    return {
      status: 405,
      detail: `${method} is not allowed on this page; use ${allow}.`,
      headers: { Allow: allow },
    };
  }
  if (method === 'POST' && !/^multipart\/form-data\s*;/i.test(headers['content-type'] ?? '')) {
    // A Server Action's arguments (the form's FormData) arrive so, with and without JavaScript.
    return { status: 415, detail: 'A form is posted here as multipart/form-data, as the browser sends it.' };
  }
  return undefined;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * A page's Content-Security-Policy with a nonce fresh for this response, set on the response for the browser
 * and on the request for Next.js, which reads the nonce from it and puts it on the scripts it renders (so a
 * client's own Content-Security-Policy request header is replaced, never believed).
 */
export function pageSecurityPolicy(
  headers: IncomingHttpHeaders,
  options: { development: boolean; upgradeInsecureRequests: boolean },
): string {
  const policy = contentSecurityPolicy(randomBytes(16).toString('base64'), options);
  headers['content-security-policy'] = policy;
  return policy;
}
