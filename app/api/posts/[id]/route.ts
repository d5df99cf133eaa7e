import * as v from 'valibot';
import {
  etagFor,
  IfMatch,
  IfMatchOnRead,
  IfNoneMatch,
  IfNoneMatchOnWrite,
  ifNoneMatchHits,
  versionCondition,
  versionsAcceptedByIfMatch,
} from '@/src/http/etag';
import { postResponse } from '@/src/http/posts';
import { HttpError } from '@/src/http/problem';
import { operation, route } from '@/src/http/route';
import {
  POST_BODY_LIMIT_BYTES,
  POST_SERVER_OWNED_FIELDS,
  Post,
  PostInput,
  PostPatch,
  PostPath,
} from '@/src/posts/schema';
import { changePost, deletePost, readPost } from '@/src/posts/service';

const noSuchPost = { 404: { description: 'No post has this id.' } };
const staleTag = {
  412: {
    description:
      'If-Match named none of the current tags (the post changed since it was read), or If-None-Match ' +
      'named the current one. Nothing changed.',
  },
};
const writeConditions = v.object({
  'If-Match': v.optional(IfMatch),
  'If-None-Match': v.optional(IfNoneMatchOnWrite),
});

const read = operation({
  operationId: 'getPost',
  summary: 'Read a post',
  tag: 'Posts',
  access: 'public',
  params: PostPath,
  headers: v.object({ 'If-Match': v.optional(IfMatchOnRead), 'If-None-Match': v.optional(IfNoneMatch) }),
  responses: {
    200: { description: 'The post.', body: Post, headers: ['ETag'] },
    304: {
      description: 'If-None-Match named the current tag: the copy the client has is current.',
      headers: ['ETag'],
    },
    ...noSuchPost,
    412: { description: 'If-Match named none of the current tags.' },
  },
  async handle({ params: { id }, headers }) {
    const stored = await readPost(id);
    const etag = etagFor(id, stored.version);
    // RFC 9110 §13.2.2: If-Match first, then If-None-Match.
    const accepted = versionsAcceptedByIfMatch(headers['If-Match'], id);
    if (accepted && !accepted.includes(stored.version)) {
      throw new HttpError(412, 'The post is not at a version If-Match names; fetch it again.');
    }
    if (ifNoneMatchHits(headers['If-None-Match'], etag)) {
      return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': 'no-cache' } });
    }
    return postResponse(stored, { headers: { 'Cache-Control': 'no-cache' } });
  },
});

/** PUT and PATCH: the same conditional write, with the whole post or some of its fields. */
function change(
  body: typeof PostInput | typeof PostPatch,
  declaration: { operationId: string; summary: string; description: string },
) {
  return operation({
    ...declaration,
    tag: 'Posts',
    access: 'post-writes',
    params: PostPath,
    headers: writeConditions,
    body,
    serverOwned: POST_SERVER_OWNED_FIELDS,
    bodyLimit: POST_BODY_LIMIT_BYTES,
    responses: {
      200: { description: 'The post as it is now.', body: Post, headers: ['ETag'] },
      ...noSuchPost,
      ...staleTag,
    },
    async handle({ params: { id }, headers, body: changes }) {
      return postResponse(await changePost(id, changes, versionCondition(headers, id)));
    },
  });
}

const remove = operation({
  operationId: 'deletePost',
  summary: 'Delete a post',
  tag: 'Posts',
  access: 'post-writes',
  params: PostPath,
  headers: writeConditions,
  responses: { 204: { description: 'The post is gone.' }, ...noSuchPost, ...staleTag },
  async handle({ params: { id }, headers }) {
    await deletePost(id, versionCondition(headers, id));
    return new Response(null, { status: 204 });
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({
  GET: read,
  PUT: change(PostInput, {
    operationId: 'replacePost',
    summary: 'Replace a post',
    description: 'Sets title, body and author; an author left out becomes `null`.',
  }),
  PATCH: change(PostPatch, {
    operationId: 'updatePost',
    summary: 'Change some fields of a post',
    description: 'Changes only the fields given; `author: null` removes the author.',
  }),
  DELETE: remove,
});
