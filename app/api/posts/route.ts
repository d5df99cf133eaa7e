import { readJsonBody } from '@/src/http/body';
import { handle } from '@/src/http/handler';
import { requirePostWriteAccess } from '@/src/http/auth';
import { decodeCursor, searchParamsObject } from '@/src/http/paging';
import { idempotencyKeyFrom, postLocation, postPageResponse, postResponse } from '@/src/posts/http';
import { postsRepository } from '@/src/repositories';
import { POST_SERVER_OWNED_FIELDS, PostInput, PostListQuery } from '@/src/posts/schema';
import { parseBody, parseQuery } from '@/src/validation';

export const GET = handle(async (request) => {
  const query = parseQuery(PostListQuery, searchParamsObject(request));
  const beforeId = decodeCursor(query.cursor);
  const page = await (await postsRepository()).list({ ...query, beforeId });
  return postPageResponse(page, query, new URL(request.url).pathname);
});

export const POST = handle(async (request) => {
  requirePostWriteAccess(request);
  const input = parseBody(PostInput, await readJsonBody(request), POST_SERVER_OWNED_FIELDS);
  const idempotency = idempotencyKeyFrom(request, input);
  const { stored, replayed } = await (await postsRepository()).create(input, idempotency);
  const headers: HeadersInit = { Location: postLocation(stored.post.id) };
  return postResponse(stored, {
    status: 201,
    headers: replayed ? { ...headers, 'Idempotent-Replayed': 'true' } : headers,
  });
});
