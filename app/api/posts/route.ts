import * as v from 'valibot';
import { operation, route } from '@/src/http/route';
import { decodeCursor } from '@/src/http/paging';
import { idempotencyKeyFrom, postLocation, postPageResponse, postResponse } from '@/src/posts/http';
import { postsRepository } from '@/src/repositories';
import {
  IdempotencyKeyHeader,
  POST_SERVER_OWNED_FIELDS,
  Post,
  PostInput,
  PostListQuery,
} from '@/src/posts/schema';

const list = operation({
  operationId: 'listPosts',
  summary: 'List posts, newest first',
  description:
    'A JSON array of posts. When more exist, the `Link` header points to the next page; follow it rather ' +
    'than building cursors.',
  tag: 'Posts',
  access: 'public',
  query: PostListQuery,
  responses: { 200: { description: 'A page of posts.', body: v.array(Post), headers: ['Link'] } },
  async handle({ request, query }) {
    const page = await (await postsRepository()).list({ ...query, beforeId: decodeCursor(query.cursor) });
    return postPageResponse(page, query, new URL(request.url).pathname);
  },
});

const create = operation({
  operationId: 'createPost',
  summary: 'Create a post',
  description:
    '`id`, `createdAt` and `updatedAt` are set by the server. Send an Idempotency-Key to retry safely.',
  tag: 'Posts',
  access: 'post-writes',
  headers: v.object({ 'Idempotency-Key': v.optional(IdempotencyKeyHeader) }),
  body: PostInput,
  serverOwned: POST_SERVER_OWNED_FIELDS,
  responses: {
    201: {
      description: 'The post was created (or, for a repeated Idempotency-Key, had been).',
      body: Post,
      headers: ['Location', 'ETag', 'Idempotent-Replayed'],
    },
    409: {
      description: 'A request with this Idempotency-Key is still in progress.',
      headers: ['Retry-After'],
    },
    422: {
      description:
        'The body does not match the schema or names a field that is unknown or set by the server ' +
        '(`errors` says which), or this Idempotency-Key was used with a different body.',
    },
  },
  async handle({ headers, body }) {
    const idempotency = idempotencyKeyFrom(headers['Idempotency-Key'], body);
    const { stored, replayed } = await (await postsRepository()).create(body, idempotency);
    const location = { Location: postLocation(stored.post.id) };
    return postResponse(stored, {
      status: 201,
      headers: replayed ? { ...location, 'Idempotent-Replayed': 'true' } : location,
    });
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ GET: list, POST: create });
