import { randomBytes } from 'node:crypto';
import { NextResponse, type NextRequest } from 'next/server';
import { config as serviceConfig } from '@/src/config';
import { isCrossOrigin } from '@/src/http/origin';
import { problemResponse } from '@/src/http/problem';
import { contentSecurityPolicy, NONCE_HEADER } from '@/src/http/content-security-policy';
import { UNROUTABLE_METHOD_HEADER } from '@/src/server/requests';

/** The pages that take a Server Action: the contact form's. Every other page is read-only. */
const ACTION_PAGES = new Set(['/contact']);

/**
 * Pages only (/api is never matched: API requests and their bodies go straight to the route files). A page
 * answers GET and HEAD, OPTIONS with its `Allow`, and POST where a form posts its Server Action; every other
 * method gets a 405 problem here, where Next.js would render the page. A POST from another site is refused
 * on every path, as what it is (403), before the action machinery runs. What is served gets a CSP whose nonce
 * is fresh for this response.
 */
export function proxy(request: NextRequest) {
  const method = request.headers.get(UNROUTABLE_METHOD_HEADER) ?? request.method;
  const allow = ACTION_PAGES.has(request.nextUrl.pathname)
    ? 'GET, HEAD, OPTIONS, POST'
    : 'GET, HEAD, OPTIONS';
  if (method === 'POST' && isCrossOrigin(request)) {
    return problemResponse(403, 'Cross-origin requests are not accepted; submit from this site.');
  }
  if (method === 'OPTIONS') return new NextResponse(null, { status: 204, headers: { Allow: allow } });
  if (!allow.split(', ').includes(method)) {
    return problemResponse(405, `${method} is not allowed on this page; use ${allow}.`, {
      headers: { Allow: allow },
    });
  }
  if (method === 'POST' && !isFormPost(request)) {
    return problemResponse(415, 'A form is posted here as multipart/form-data, as the browser sends it.');
  }
  return withContentSecurityPolicy(request);
}

/** A Server Action's arguments (the form's FormData) arrive as multipart/form-data, with and without JS. */
function isFormPost(request: NextRequest): boolean {
  return /^multipart\/form-data\s*;/i.test(request.headers.get('content-type') ?? '');
}

function withContentSecurityPolicy(request: NextRequest): NextResponse {
  const nonce = randomBytes(16).toString('base64');
  const policy = contentSecurityPolicy(nonce, {
    development: process.env.NODE_ENV === 'development',
    upgradeInsecureRequests: serviceConfig().server.hstsMaxAgeSeconds > 0,
  });
  // On the request, for Next.js, which puts the nonce on the scripts it renders; on the response, for the browser.
  const headers = new Headers(request.headers);
  headers.set(NONCE_HEADER, nonce);
  headers.set('Content-Security-Policy', policy);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('Content-Security-Policy', policy);
  return response;
}

export const config = {
  // Every path but the API, the build's static files and the image endpoint (`/_next/image` exactly: a page
  // path that only begins so, `/_next/imagex`, is a 404 page, which gets its policy like any other).
  matcher: ['/((?!api/|_next/static/|_next/image$).*)'],
};
