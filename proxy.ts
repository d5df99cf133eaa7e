import { NextResponse, type NextRequest } from 'next/server';
import { requireSameOrigin } from '@/src/http/origin';
import { HttpError, problemResponse } from '@/src/http/problem';
import { UNROUTABLE_METHOD_HEADER } from '@/src/server/requests';

/**
 * Pages only: /api is never matched, so API requests (and their bodies) go straight to the route files.
 * A page takes GET and HEAD, and POST for Server Actions, which Next.js refuses from another site too, but as a
 * bare 500: this answers what it is, a 403, before the action machinery runs.
 */
export function proxy(request: NextRequest) {
  const unroutable = request.headers.get(UNROUTABLE_METHOD_HEADER);
  if (unroutable) {
    return problemResponse(405, `${unroutable} is not allowed here.`, {
      headers: { Allow: 'GET, HEAD, POST' },
    });
  }
  if (request.method === 'POST') {
    try {
      requireSameOrigin(request);
    } catch (error) {
      if (error instanceof HttpError) return error.toResponse();
      throw error;
    }
  }
  return NextResponse.next();
}

export const config = {
  matcher: [
    // Pages, for requests that carry an Origin (every browser POST does; plain navigations do not) or that the
    // server marked as using a method Next.js cannot route.
    { source: '/((?!api/|_next/|favicon.ico).*)', has: [{ type: 'header', key: 'origin' }] },
    { source: '/((?!api/|_next/|favicon.ico).*)', has: [{ type: 'header', key: 'x-unroutable-method' }] },
  ],
};
