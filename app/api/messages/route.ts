import { requireOperator } from '@/src/http/auth';
import { handle, json } from '@/src/http/handler';
import { decodeCursor, encodeCursor, nextPageLink, searchParamsObject } from '@/src/http/paging';
import { messagesRepository } from '@/src/repositories';
import { MessageListQuery } from '@/src/messages/schema';
import { parseQuery } from '@/src/validation';

export const GET = handle(async (request) => {
  requireOperator(request);
  const query = parseQuery(MessageListQuery, searchParamsObject(request));
  const page = await (
    await messagesRepository()
  ).list({ limit: query.limit, beforeId: decodeCursor(query.cursor) });
  const last = page.messages.at(-1);
  const headers: HeadersInit =
    page.hasMore && last
      ? { Link: nextPageLink(new URL(request.url).pathname, {}, encodeCursor(last.id), query.limit) }
      : {};
  return json(page.messages, { headers });
});
