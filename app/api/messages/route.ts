import * as v from 'valibot';
import { decodeCursor, encodeCursor, nextPageLink } from '@/src/http/paging';
import { json } from '@/src/http/json';
import { operation, route } from '@/src/http/route';
import { ContactMessage, MessageListQuery } from '@/src/messages/schema';
import { messagesRepository } from '@/src/repositories';

const list = operation({
  operationId: 'listMessages',
  summary: 'List contact messages (operator only)',
  description: 'Newest first, paged like posts. Messages are personal data: this always needs the token.',
  tag: 'Contact',
  access: 'operator',
  query: MessageListQuery,
  responses: {
    200: { description: 'A page of messages.', body: v.array(ContactMessage), headers: ['Link'] },
  },
  async handle({ request, query }) {
    const page = await (
      await messagesRepository()
    ).list({ limit: query.limit, beforeId: decodeCursor(query.cursor) });
    const last = page.messages.at(-1);
    const headers: HeadersInit =
      page.hasMore && last
        ? { Link: nextPageLink(new URL(request.url).pathname, {}, encodeCursor(last.id), query.limit) }
        : {};
    return json(page.messages, { headers });
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ GET: list });
