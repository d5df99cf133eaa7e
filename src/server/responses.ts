import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { problemJson } from '../http/problem-json';
import type { RequestContext } from '../request-context';

/** The headers the server itself sets on every answer, kept when an answer is replaced. */
const SERVER_HEADERS = new Set([
  'x-request-id',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'strict-transport-security',
]);

/** Next.js's client-router request headers: they vary a page's answer, never an API route's. */
const ROUTER_VARY = /^(?:rsc|next-router-[a-z-]+)$/i;

/** Runs `beforeHead` once, just before the status line and headers are sent (whichever call sends them). */
function beforeHeadIsSent(response: ServerResponse, beforeHead: (response: ServerResponse) => void): void {
  const writeHead = response.writeHead;
  response.writeHead = function writeHeadAfterCheck(this: ServerResponse, ...args: unknown[]) {
    if (!this.headersSent) beforeHead(this);
    return (writeHead as (...args: unknown[]) => ServerResponse).apply(this, args);
  };
}

/**
 * The head goes out in one write with the body's first bytes. Next.js calls `flushHeaders()` just before it
 * writes an answer's first chunk, which sends the head in a write of its own: a second system call for every
 * answer, and an instance killed between the two writes sends a head without its body (behind nginx over
 * HTTP/1.0, a whole 201 with an empty body: see deploy/nginx.conf). The flush waits until the code that asked
 * for it has run: by then the first chunk has taken the head with it, and an answer still without a chunk
 * gets its head as before.
 */
export function headWithFirstChunk(response: ServerResponse): void {
  const flushHeaders = response.flushHeaders;
  response.flushHeaders = function flushHeadersAfterThisTurn(this: ServerResponse) {
    process.nextTick(() => {
      if (!this.headersSent && !this.destroyed) flushHeaders.call(this);
    });
  };
}

/**
 * An API response varies by what its route reads (`Origin`, `Accept-Encoding`), not by the page router's
 * headers, which Next.js adds to every answer: those are dropped, so that caches are not split by them.
 */
export function withoutRouterVary(response: ServerResponse): void {
  beforeHeadIsSent(response, (sent) => {
    const vary = sent.getHeader('vary');
    if (vary === undefined) return;
    const kept = String(vary)
      .split(',')
      .map((token) => token.trim())
      .filter((token) => token !== '' && !ROUTER_VARY.test(token));
    if (kept.length > 0) sent.setHeader('Vary', kept.join(', '));
    else sent.removeHeader('Vary');
  });
}

/** Seconds a client is asked to wait when the database was away (as the API's 503 asks). */
const UNAVAILABLE_RETRY_AFTER_SECONDS = '5';

/**
 * A page whose rendering found the database unavailable (see src/page-data.ts) is answered 503 with
 * Retry-After: it rendered its "not available right now" content, and the status says the same.
 */
export function unavailablePagesAs503(response: ServerResponse, context: RequestContext): void {
  const writeHead = response.writeHead as (...args: unknown[]) => ServerResponse;
  response.writeHead = function writeHeadWithAvailability(
    this: ServerResponse,
    status: number,
    ...rest: unknown[]
  ) {
    if (!context.databaseUnavailable || (status >= 300 && status !== 500))
      return writeHead.call(this, status, ...rest);
    this.setHeader('Retry-After', UNAVAILABLE_RETRY_AFTER_SECONDS);
    this.setHeader('Cache-Control', 'no-store');
    // A reason phrase, if given, was the original status's.
    return writeHead.call(this, 503, ...rest.filter((arg) => typeof arg !== 'string'));
  } as ServerResponse['writeHead'];
}

export interface Replacement {
  status: number;
  detail: string;
}

/**
 * Lets `replace` look at the status of an answer before anything of it is sent, and put a problem response
 * (with the server's own headers) in its place: for the failures Next.js answers in its own format, such as
 * a bare 500 for a Server Action call whose body it cannot decode. What Next.js then writes is discarded.
 */
export function replaceFailures(
  response: ServerResponse,
  replace: (status: number, contentType: string) => Replacement | undefined,
): void {
  const original = { writeHead: response.writeHead, write: response.write, end: response.end };
  let decided = false;
  let replaced = false;

  const decide = (status: number): boolean => {
    if (decided) return replaced;
    decided = true;
    const replacement = replace(status, String(response.getHeader('content-type') ?? ''));
    if (!replacement) return false;
    replaced = true;
    for (const name of response.getHeaderNames()) if (!SERVER_HEADERS.has(name)) response.removeHeader(name);
    const body = problemJson(replacement.status, replacement.detail);
    const headers: OutgoingHttpHeaders = {
      'Content-Type': 'application/problem+json',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
    };
    original.writeHead.call(response, replacement.status, headers);
    (original.end as (chunk: string) => ServerResponse).call(response, body);
    return true;
  };
  // What Next.js writes after a replacement: accepted, and dropped.
  const discard = (args: unknown[]) => {
    const callback = args.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
  };

  response.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    if (decide(status)) return this;
    return (original.writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
  } as ServerResponse['writeHead'];
  // Whether a write or end is to be dropped: after a replacement, or when it is the one that decides it.
  const dropped = (sent: ServerResponse, args: unknown[]) => {
    if (!replaced && (sent.headersSent || !decide(sent.statusCode))) return false;
    discard(args);
    return true;
  };
  response.write = function (this: ServerResponse, ...args: unknown[]) {
    return dropped(this, args) || (original.write as (...args: unknown[]) => boolean).apply(this, args);
  } as ServerResponse['write'];
  response.end = function (this: ServerResponse, ...args: unknown[]) {
    if (dropped(this, args)) return this;
    return (original.end as (...args: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['end'];
}
