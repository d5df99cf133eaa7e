import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';
import { config } from '../config';
import { HttpError } from './problem';

const challenge = { 'WWW-Authenticate': 'Bearer realm="api"' };

function presentedToken(request: Request): string | undefined {
  const match = /^Bearer +([^ ]+) *$/i.exec(request.headers.get('authorization') ?? '');
  return match?.[1];
}

/** Compares digests so the time taken says nothing about the token's length or its first differing byte. */
function tokensEqual(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
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
export function requirePostWriteAccess(request: Request): void {
  const { apiToken } = config();
  if (apiToken !== undefined) requireToken(request, apiToken);
}

/** Contact messages are personal data: always the token, and nobody at all when no token is configured. */
export function requireOperator(request: Request): void {
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
