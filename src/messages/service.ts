import 'server-only';
import { config } from '../config';
import { HttpError } from '../http/problem';
import { messagesRepository, rateLimitRepository } from '../repositories';
import type * as v from 'valibot';
import { CONTACT_HONEYPOT_FIELD, type ContactSubmission } from './schema';

/**
 * The one way a contact message gets in, whichever door it came through (the JSON route or the /contact
 * Server Action), for the client identified by `client` (see clientAddress):
 * - validate with the shared schema (422 HttpError): a person's typo does not count against their limit;
 * - a filled honeypot resolves as if the message were stored, so a bot learns nothing, and costs no write;
 * - over the per-client limit, a 429 HttpError with Retry-After;
 * - otherwise store it.
 */
export async function submitContactMessage(
  submission: v.InferOutput<typeof ContactSubmission>,
  client: string,
): Promise<void> {
  const { [CONTACT_HONEYPOT_FIELD]: honeypot, ...message } = submission;
  if (honeypot) return;
  await enforceContactRateLimit(client);
  await (await messagesRepository()).create(message);
}

async function enforceContactRateLimit(client: string): Promise<void> {
  const verdict = await (await rateLimitRepository()).hit(`contact:${client}`, config().contactRateLimit);
  if (verdict.allowed) return;
  const seconds = verdict.retryAfterSeconds;
  throw new HttpError(429, `Too many messages; try again in ${seconds} second${seconds === 1 ? '' : 's'}.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}
