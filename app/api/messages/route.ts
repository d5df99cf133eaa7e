import * as v from 'valibot';
import { decodeCursor, pageResponse } from '@/src/http/paging';
import { operation, route } from '@/src/http/route';
import { ContactMessage, MessageListQuery } from '@/src/messages/schema';
import { listMessages } from '@/src/messages/service';

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
  async handle({ request, query: { limit, cursor } }) {
    const page = await listMessages({ limit, beforeId: decodeCursor(cursor) });
    return pageResponse(page, { request, limit }, (message) => message.id);
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ GET: list });
