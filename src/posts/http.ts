import 'server-only';
import { createHash } from 'node:crypto';
import { etagFor } from '../http/etag';
import { json } from '../http/json';
import { nextPageLink, encodeCursor } from '../http/paging';
import type { IdempotencyKey, StoredPost } from './repository';
import type { PostInput, PostListQuery } from './schema';

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
export function idempotencyKeyFrom(key: string | undefined, input: PostInput): IdempotencyKey | undefined {
  if (key === undefined) return undefined;
  const requestHash = createHash('sha256')
    .update(JSON.stringify([input.title, input.body, input.author]))
    .digest('hex');
  return { key, requestHash };
}
