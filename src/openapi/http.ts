import 'server-only';
import { createHash } from 'node:crypto';
import { ifNoneMatchHits } from '../http/etag';
import type { ApiRoute } from '../http/route';
import { buildOpenApiDocument } from './document';

/** The document changes only with a deploy; the ETag lets clients revalidate cheaply after this. */
const CACHE_CONTROL = 'public, max-age=300';

let served: { body: string; etag: string } | undefined;

/**
 * `GET /api/openapi.json`: the document, or 304 when If-None-Match names its tag. Built and serialised once
 * per process, on first request: the ETag is a digest of exactly these bytes.
 */
export function openApiResponse(
  routes: () => readonly ApiRoute[],
  ifNoneMatch: string | undefined,
): Response {
  if (!served) {
    const body = JSON.stringify(buildOpenApiDocument(routes()));
    served = { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
  }
  const headers = { ETag: served.etag, 'Cache-Control': CACHE_CONTROL };
  if (ifNoneMatchHits(ifNoneMatch, served.etag)) return new Response(null, { status: 304, headers });
  return new Response(served.body, { headers: { ...headers, 'Content-Type': 'application/json' } });
}
