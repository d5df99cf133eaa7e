import * as v from 'valibot';
import { decodeCursor, pageResponse } from '@/src/http/paging';
import { postLocation, postResponse } from '@/src/http/posts';
import { operation, route } from '@/src/http/route';
import {
  IdempotencyKeyHeader,
  POST_BODY_LIMIT_BYTES,
  POST_SERVER_OWNED_FIELDS,
  Post,
  PostInput,
  PostListQuery,
} from '@/src/posts/schema';
import { createPost, listPosts } from '@/src/posts/service';

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
    const { limit, author, q } = query;
    const page = await listPosts({ limit, author, q, beforeId: decodeCursor(query.cursor) });
    return pageResponse(
      page,
      { request, filters: { author, q }, limit },
      (stored) => stored.post.id,
      (stored) => stored.post,
    );
  },
});

const create = operation({
  operationId: 'createPost',
  summary: 'Create a post',
  description:
    '`id`, `createdAt` and `updatedAt` are set by the server. Send an Idempotency-Key to retry safely: a ' +
    'retry gets the first response, as it was then (201, `Idempotent-Replayed: true`).',
  tag: 'Posts',
  access: 'post-writes',
  headers: v.object({ 'Idempotency-Key': v.optional(IdempotencyKeyHeader) }),
  body: PostInput,
  serverOwned: POST_SERVER_OWNED_FIELDS,
  bodyLimit: POST_BODY_LIMIT_BYTES,
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
    410: { description: 'The post created with this Idempotency-Key has since been deleted.' },
    422: {
      description:
        'The body does not match the schema or names a field that is unknown or set by the server ' +
        '(`errors` says which), or this Idempotency-Key was used with a different body.',
    },
  },
  async handle({ headers, body }) {
    const { stored, replayed } = await createPost(body, headers['Idempotency-Key']);
    const location = { Location: postLocation(stored.post.id) };
    return postResponse(stored, {
      status: 201,
      headers: replayed ? { ...location, 'Idempotent-Replayed': 'true' } : location,
    });
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ GET: list, POST: create });
