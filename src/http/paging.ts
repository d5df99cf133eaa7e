import { badRequest } from './problem';

/**
 * Keyset cursors: an opaque token for "the items older than id N". Clients must not build them, so the
 * format (base64url JSON) can change without breaking anyone who follows `Link: rel="next"`.
 */
export function encodeCursor(beforeId: number): string {
  return Buffer.from(JSON.stringify({ before: beforeId })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { before?: unknown };
    if (Number.isSafeInteger(parsed.before) && (parsed.before as number) > 0) return parsed.before as number;
  } catch {
    // falls through to the 400 below
  }
  throw badRequest('cursor is not one this server issued; follow the Link header of the previous page.');
}

/** `Link: </api/posts?…&cursor=…&limit=…>; rel="next"` (RFC 8288), keeping the page's filters. */
export function nextPageLink(
  pathname: string,
  filters: Record<string, string | undefined>,
  nextCursor: string,
  limit: number,
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value !== undefined) query.set(name, value);
  query.set('cursor', nextCursor);
  query.set('limit', String(limit));
  return `<${pathname}?${query.toString()}>; rel="next"`;
}

/** Search parameters as a plain object (the last value wins), for schema validation. */
export function searchParamsObject(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}
