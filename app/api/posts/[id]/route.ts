import { requirePostWriteAccess } from '@/src/http/auth';
import { readJsonBody } from '@/src/http/body';
import { ifNoneMatchHits, etagFor, versionsAcceptedByIfMatch } from '@/src/http/etag';
import { handle } from '@/src/http/handler';
import { parseId } from '@/src/http/params';
import { notFound } from '@/src/http/problem';
import { postResponse } from '@/src/posts/http';
import { postsRepository } from '@/src/repositories';
import { POST_SERVER_OWNED_FIELDS, PostInput, PostPatch } from '@/src/posts/schema';
import { parseBody } from '@/src/validation';

type Context = { params: Promise<{ id: string }> };

export const GET = handle(async (request, { params }: Context) => {
  const id = parseId((await params).id);
  const stored = await (await postsRepository()).get(id);
  if (!stored) throw notFound('No post has this id.');
  const etag = etagFor(id, stored.version);
  if (ifNoneMatchHits(request.headers.get('if-none-match'), etag)) {
    return new Response(null, { status: 304, headers: { ETag: etag, 'Cache-Control': 'no-cache' } });
  }
  return postResponse(stored, { headers: { 'Cache-Control': 'no-cache' } });
});

export const PUT = handle(async (request, { params }: Context) => {
  requirePostWriteAccess(request);
  const id = parseId((await params).id);
  const input = parseBody(PostInput, await readJsonBody(request), POST_SERVER_OWNED_FIELDS);
  const accepted = versionsAcceptedByIfMatch(request.headers.get('if-match'), id);
  return postResponse(await (await postsRepository()).update(id, input, accepted));
});

export const PATCH = handle(async (request, { params }: Context) => {
  requirePostWriteAccess(request);
  const id = parseId((await params).id);
  const changes = parseBody(PostPatch, await readJsonBody(request), POST_SERVER_OWNED_FIELDS);
  const accepted = versionsAcceptedByIfMatch(request.headers.get('if-match'), id);
  return postResponse(await (await postsRepository()).update(id, changes, accepted));
});

export const DELETE = handle(async (request, { params }: Context) => {
  requirePostWriteAccess(request);
  const id = parseId((await params).id);
  const accepted = versionsAcceptedByIfMatch(request.headers.get('if-match'), id);
  await (await postsRepository()).delete(id, accepted);
  return new Response(null, { status: 204 });
});
