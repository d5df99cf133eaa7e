import { NextResponse, type NextRequest } from 'next/server';
import { guardApiRequest } from '@/src/http/method-guard';

export function proxy(request: NextRequest) {
  return guardApiRequest(request.method, request.nextUrl.pathname) ?? NextResponse.next();
}

export const config = { matcher: '/api/:path*' };
