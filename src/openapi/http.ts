import 'server-only';
import { createHash } from 'node:crypto';
import { ifNoneMatchHits } from '../http/etag';
import { buildOpenApiDocument } from './document';

/** The document changes only with a deploy; the ETag lets clients revalidate cheaply after this. */
const CACHE_CONTROL = 'public, max-age=300';

interface Served {
  body: string;
  etag: string;
}

let served: Served | undefined;

/**
 * Built and serialised once per process, on first request: the ETag is a digest of exactly these bytes, which
 * is why this serves them as they are rather than through json() (which serialises on every call).
 */
function servedDocument(): Served {
  if (!served) {
    const body = JSON.stringify(buildOpenApiDocument());
    const digest = createHash('sha256').update(body).digest('base64url');
    served = { body, etag: `"${digest}"` };
  }
  return served;
}

/** `GET /api/openapi.json`: the document, or 304 when If-None-Match names its tag. */
export function openApiResponse(request: Request): Response {
  const { body, etag } = servedDocument();
  const headers = { ETag: etag, 'Cache-Control': CACHE_CONTROL };
  if (ifNoneMatchHits(request.headers.get('if-none-match'), etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { headers: { ...headers, 'Content-Type': 'application/json' } });
}
