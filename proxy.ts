import { NextResponse, type NextRequest } from 'next/server';
import { guardApiRequest } from '@/src/http/method-guard';
import { requireSameOrigin } from '@/src/http/origin';
import { HttpError } from '@/src/http/problem';

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (pathname.startsWith('/api/')) return guardApiRequest(request.method, pathname) ?? NextResponse.next();
  // A page only takes POST for Server Actions. Next.js refuses one from another site too, but as a bare 500;
  // answer what it is, a 403, before the action machinery runs.
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
    '/api/:path*',
    // Pages, only for requests that carry an Origin (every browser POST does; plain navigations do not).
    { source: '/((?!api/|_next/|favicon.ico).*)', has: [{ type: 'header', key: 'origin' }] },
  ],
};
