import { config } from '../config';
import type { PageRequest } from '../db/paging';
import { DomainError } from '../errors';
import { rateLimitedAs } from '../rate-limit/network';
import { rateLimits } from '../rate-limit/repository';
import { messages } from './repository';
import { CONTACT_HONEYPOT_FIELD, type ContactSubmission } from './schema';

export const listMessages = (page: PageRequest) => messages.list(page);

/**
 * The one way a contact message gets in, whichever door it came through (the JSON route or the /contact
 * Server Action), once its schema has accepted it, for the client identified by `client` (see
 * clientAddress):
 * - a filled honeypot resolves as if the message were stored, so a bot learns nothing, and costs no write;
 * - over the per-client limit (an IPv6 client counted by its /64, see rateLimitedAs), `rate_limited`, with
 *   the seconds until the window ends;
 * - otherwise the message is stored, in the same transaction (one commit) as the count.
 */
export async function submitContactMessage(
  submission: ContactSubmission,
  client: string,
  now = new Date(),
): Promise<void> {
  const { [CONTACT_HONEYPOT_FIELD]: honeypot, ...message } = submission;
  if (honeypot) return;
  const rule = config().contactRateLimit;
  const verdict = await rateLimits.hit(
    `contact:${rateLimitedAs(client)}`,
    rule,
    now,
    messages.createWithinLimit(message, now),
  );
  // A client's first request in a window: a time to clear away the windows that are over.
  if (verdict.hits === 1) await rateLimits.deleteFinishedWindows(verdict.windowStart, rule);
  if (!verdict.allowed) {
    const seconds = verdict.retryAfterSeconds;
    throw new DomainError(
      'rate_limited',
      `Too many messages; try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      seconds,
    );
  }
}
