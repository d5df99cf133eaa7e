import 'server-only';
import { parseBody } from '../validation';
import { messagesRepository } from '../repositories';
import { ContactMessageInput, MESSAGE_SERVER_OWNED_FIELDS, type ContactMessage } from './schema';

/**
 * The one way a contact message gets in, whichever door it came through (the JSON route or the /contact
 * Server Action): validate with the shared schema, then store. Throws a 422 HttpError on invalid input.
 */
export async function submitContactMessage(input: unknown): Promise<ContactMessage> {
  const message = parseBody(ContactMessageInput, input, MESSAGE_SERVER_OWNED_FIELDS);
  return (await messagesRepository()).create(message);
}
