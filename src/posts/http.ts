import 'server-only';
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { etagFor } from '../http/etag';
import { json } from '../http/handler';
import { nextPageLink, encodeCursor } from '../http/paging';
import { badRequest } from '../http/problem';
import type { IdempotencyKey, StoredPost } from './repository';
import { IdempotencyKeyHeader, type PostInput, type PostListQuery } from './schema';

/** One post, with the ETag clients send back in If-Match / If-None-Match. */
export function postResponse(
  stored: StoredPost,
  init: { status?: number; headers?: HeadersInit } = {},
): Response {
  const headers = new Headers(init.headers);
  headers.set('ETag', etagFor(stored.post.id, stored.version));
  return json(stored.post, { status: init.status, headers });
}

export function postLocation(id: number): string {
  return `/api/posts/${id}`;
}

/** A page of posts as a bare JSON array (what the original `res.json(posts)` clients expect) plus a Link header. */
export function postPageResponse(
  page: { posts: StoredPost[]; hasMore: boolean },
  query: PostListQuery,
  pathname: string,
): Response {
  const headers = new Headers();
  const last = page.posts.at(-1);
  if (page.hasMore && last) {
    const filters = { author: query.author, q: query.q };
    headers.set('Link', nextPageLink(pathname, filters, encodeCursor(last.post.id), query.limit));
  }
  return json(
    page.posts.map((stored) => stored.post),
    { headers },
  );
}

/** The Idempotency-Key header, bound to a digest of the validated request so a reused key is caught. */
export function idempotencyKeyFrom(request: Request, input: PostInput): IdempotencyKey | undefined {
  const key = request.headers.get('idempotency-key');
  if (key === null) return undefined;
  if (!v.is(IdempotencyKeyHeader, key)) {
    throw badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters.');
  }
  const requestHash = createHash('sha256')
    .update(JSON.stringify([input.title, input.body, input.author]))
    .digest('hex');
  return { key, requestHash };
}
