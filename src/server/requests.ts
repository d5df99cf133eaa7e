import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isAnsweredByNextJs, pageRefusal } from './pages';

/** The methods Next.js routes; any other is passed on as OPTIONS, marked (see UNROUTABLE_METHOD_HEADER). */
const ROUTABLE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
export const UNROUTABLE_METHOD_HEADER = 'x-unroutable-method';

/** Headers a client could send to pose as one of the operator's proxies; only trusted proxies may set them. */
const FORWARDING_HEADERS = ['x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip'];
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The largest body a page takes: a Server Action's form, the same limit as Next.js's own for actions
 * (`serverActions.bodySizeLimit` in next.config.mjs). Checked here, from Content-Length, so that a larger
 * form is refused before any of it is read.
 */
export const PAGE_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Whether a path is the API's (route files, which read and cap their own bodies) rather than a page's. `/api`
 * itself is no route's: it is a page path (Next.js's 404 page), so its body is capped as a page's is.
 */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/');
}

/** What the server answers itself, before Next.js sees the request: a status and a sentence for the client. */
export interface Refusal {
  status: number;
  detail: string;
  headers?: Record<string, string>;
}

/**
 * Checks and prepares a request at the socket, where only the server can:
 * - the request target: `*` (OPTIONS only), absolute-form (made origin-form), a path that decodes;
 * - the client address: the connection's peer is appended to X-Forwarded-For, as a proxy would, so that
 *   TRUSTED_PROXIES counts real hops and a client's own X-Forwarded-For entries are only ever to its left;
 * - the request id: a trusted proxy's X-Request-Id, else a new one;
 * - the Host header (RFC 9112 §3.2) and an Expect other than 100-continue (417);
 * - a method Next.js cannot route goes on as OPTIONS, with its name in a header for the route's 405;
 * - a page's methods and form posts (src/server/pages.ts).
 * Returns the refusal to answer with, or the request id and whether Next.js will route it to the API or
 * render a page (neither: what Next.js answers itself, see isAnsweredByNextJs). `development`: `npm run dev`.
 */
export function prepareRequest(
  request: IncomingMessage,
  trustedProxies: number,
  development = false,
):
  | { refusal: Refusal; requestId: string }
  | { refusal?: undefined; requestId: string; api: boolean; page: boolean } {
  const headers = request.headers;
  const offered = headers['x-request-id'];
  const requestId =
    trustedProxies > 0 && typeof offered === 'string' && REQUEST_ID.test(offered) ? offered : randomUUID();
  headers['x-request-id'] = requestId;

  const peer = request.socket.remoteAddress ?? 'unknown';
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
  if (trustedProxies === 0) for (const name of FORWARDING_HEADERS) delete headers[name];

  const hostRefusal = refusedHost(request);
  if (hostRefusal) return { requestId, refusal: hostRefusal };
  const expectation = headers.expect;
  if (expectation !== undefined && !CONTINUE.test(expectation)) {
    return {
      requestId,
      refusal: { status: 417, detail: 'This server meets no expectation but 100-continue.' },
    };
  }

  delete headers[UNROUTABLE_METHOD_HEADER];
  const method = request.method ?? 'GET';
  if (!ROUTABLE_METHODS.has(method)) {
    headers[UNROUTABLE_METHOD_HEADER] = method;
    request.method = 'OPTIONS';
  }

  const target = request.url ?? '';
  if (target === '*') {
    if (method === 'OPTIONS') {
      return {
        requestId,
        refusal: { status: 204, detail: '', headers: { Allow: [...ROUTABLE_METHODS].join(', ') } },
      };
    }
    return { requestId, refusal: { status: 400, detail: 'The request target * is only for OPTIONS.' } };
  }
  if (!target.startsWith('/')) {
    // Absolute-form (`GET http://host/path`), which a server must accept: its path is what counts.
    const absolute = URL.canParse(target) ? new URL(target) : undefined;
    if (!absolute || !['http:', 'https:'].includes(absolute.protocol)) {
      return {
        requestId,
        refusal: { status: 400, detail: 'The request target is not a path or an http URL.' },
      };
    }
    request.url = `${absolute.pathname}${absolute.search}`;
  }
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const routed = PLAIN_PATH.test(path) ? path : resolvedPath(path);
  if (typeof routed !== 'string') return { requestId, refusal: routed };
  if (routed.startsWith('/_next/') && method !== 'GET' && method !== 'HEAD' && !development) {
    // The build's files and image optimiser: they are only ever read (the development server's own
    // endpoints there, its MCP server's at /_next/mcp, take posts).
    return {
      requestId,
      refusal: {
        status: 405,
        detail: `${method} is not allowed here; use GET, HEAD.`,
        headers: { Allow: 'GET, HEAD' },
      },
    };
  }
  const api = isApiPath(routed);
  if (api) return { requestId, api, page: false };
  const refusal = pageBodyRefusal(headers['content-length'], headers['transfer-encoding']);
  if (refusal) return { requestId, refusal };
  if (isAnsweredByNextJs(path, routed, development)) return { requestId, api, page: false };
  const pageRefused = pageRefusal(method, routed, headers);
  if (pageRefused) return { requestId, refusal: pageRefused };
  return { requestId, api, page: true };
}

/** A path of plain segments (unreserved characters, no segment of dots only): URL parsing leaves it as it is. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*\/?$/;

/**
 * The path as Next.js will route it: with its dot segments resolved, as its URL parser resolves them
 * (`/api/%2e%2e/contact` is the contact page, not the API); or the refusal of a path that does not decode.
 */
function resolvedPath(path: string): string | Refusal {
  try {
    decodeURIComponent(path);
  } catch {
    return { status: 400, detail: 'The path has a malformed percent-encoding (such as %E0%A4%A).' };
  }
  return URL.canParse(`http://n${path}`)
    ? new URL(`http://n${path}`).pathname
    : { status: 400, detail: 'The request target is not a valid path.' };
}

/** Node.js's own test for `Expect: 100-continue`, which it answers itself; any other expectation is refused. */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;
/** RFC 9112 §3.2's Host: a host name, an IPv4 address or a bracketed IPv6 literal, and an optional port. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~!$&'()*+,;=%-]*)(?::[0-9]*)?$/;

/** RFC 9112 §3.2: a 400 for an HTTP/1.1 request without Host, with two, or with one that is not a host. */
function refusedHost(request: IncomingMessage): Refusal | undefined {
  let count = 0;
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    if (request.rawHeaders[index]!.length === 4 && request.rawHeaders[index]!.toLowerCase() === 'host')
      count += 1;
  }
  if (count > 1) return { status: 400, detail: 'The request has more than one Host header.' };
  if (count === 0) {
    return request.httpVersion === '1.1'
      ? { status: 400, detail: 'An HTTP/1.1 request needs a Host header.' }
      : undefined;
  }
  return HOST.test(request.headers.host ?? '')
    ? undefined
    : { status: 400, detail: 'The Host header is not a host name or address with an optional port.' };
}

function pageBodyRefusal(
  contentLength: string | undefined,
  transferEncoding: string | undefined,
): Refusal | undefined {
  if (transferEncoding !== undefined) {
    return {
      status: 411,
      detail: 'A page takes a body only with its Content-Length (as browsers send forms).',
    };
  }
  if (contentLength !== undefined && Number(contentLength) > PAGE_BODY_LIMIT_BYTES) {
    return { status: 413, detail: `A form posted to a page may be at most ${PAGE_BODY_LIMIT_BYTES} bytes.` };
  }
  return undefined;
}
