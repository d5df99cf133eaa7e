import 'server-only';
import { hash, timingSafeEqual } from 'node:crypto';
import { config } from '../config';
import { isCrossOrigin } from './origin';
import { HttpError } from './problem';

/**
 * Who may call an operation:
 * - `public`: anyone;
 * - `post-writes`: the bearer token when the server has API_TOKEN set, anyone when it does not;
 * - `operator`: the bearer token, always (and nobody when no token is configured);
 * - `same-origin`: anyone, but a browser page of another site is refused (403).
 */
export type Access = 'public' | 'post-writes' | 'operator' | 'same-origin';

/** Throws the 401 or 403 for a caller that `access` does not admit. */
export function requireAccess(access: Access, request: Request): void {
  if (access === 'post-writes') requirePostWriteAccess(request);
  else if (access === 'operator') requireOperator(request);
  else if (access === 'same-origin') requireSameOrigin(request);
}

/** Refuses a browser request sent from another site (see isCrossOrigin). */
export function requireSameOrigin(request: Request): void {
  if (isCrossOrigin((name) => request.headers.get(name))) {
    throw new HttpError(403, 'Cross-origin requests are not accepted; submit from this site.');
  }
}

const challenge = { 'WWW-Authenticate': 'Bearer realm="api"' };

function presentedToken(request: Request): string | undefined {
  const match = /^Bearer +([^ ]+) *$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}

const digest = (value: string) => hash('sha256', value, 'buffer');
/** The configured token's digest, made once (the configuration is read once per process). */
let expectedDigest: { token: string; digest: Buffer } | undefined;

/** Compares digests so the time taken says nothing about the token's length or its first differing byte. */
function tokensEqual(presented: string, expected: string): boolean {
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: digest(expected) };
  return timingSafeEqual(digest(presented), expectedDigest.digest);
}

function requireToken(request: Request, expected: string): void {
  const presented = presentedToken(request);
  if (presented === undefined) {
    throw new HttpError(401, 'Send "Authorization: Bearer <API_TOKEN>".', { headers: challenge });
  }
  if (!tokensEqual(presented, expected)) {
    throw new HttpError(401, 'The bearer token is not valid.', {
      headers: { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token"' },
    });
  }
}

/** Post writes need the token when API_TOKEN is set, and are open when it is not. */
function requirePostWriteAccess(request: Request): void {
  const { apiToken } = config();
  if (apiToken !== undefined) requireToken(request, apiToken);
}

/** Contact messages are personal data: always the token, and nobody at all when no token is configured. */
function requireOperator(request: Request): void {
  const { apiToken } = config();
  if (apiToken === undefined) {
    throw new HttpError(401, 'Reading messages needs API_TOKEN to be configured on the server.', {
      headers: challenge,
    });
  }
  requireToken(request, apiToken);
}

/** Whether post writes are open, for the start-up notice and the health check. */
export function postWritesAreOpen(): boolean {
  return config().apiToken === undefined;
}
