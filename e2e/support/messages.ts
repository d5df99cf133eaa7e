import type { APIRequestContext, APIResponse } from '@playwright/test';
import type { ContactMessage } from '../../src/messages/schema';

/**
 * The stored contact message with this name, from the operator's view (`GET /api/messages`, with the
 * suite's token): what a page said is checked against what was really written.
 */
export async function findStoredMessage(
  request: APIRequestContext,
  name: string,
): Promise<ContactMessage | undefined> {
  let next: string | undefined = '/api/messages?limit=100';
  while (next) {
    const response: APIResponse = await request.get(next);
    if (!response.ok()) throw new Error(`GET ${next}: ${response.status()} ${await response.text()}`);
    const found = ((await response.json()) as ContactMessage[]).find((message) => message.name === name);
    if (found) return found;
    next = /<([^>]+)>; rel="next"/.exec(response.headers()['link'] ?? '')?.[1];
  }
  return undefined;
}
