import type { StoredPost } from '../posts/repository';
import { etagFor } from './etag';
import { json } from './json';

/** One post, with the ETag clients send back in If-Match / If-None-Match. */
export function postResponse(
  stored: StoredPost,
  init: { status?: number; headers?: HeadersInit } = {},
): Response {
  const headers = new Headers(init.headers);
  headers.set('ETag', etagFor(stored.post.id, stored.version));
  return json(stored.post, { status: init.status, headers });
}

export const postLocation = (id: number) => `/api/posts/${id}`;
