import type { Page } from '../db/paging';
import { json } from './json';
import { CURSOR_PATTERN } from '../validation';
import { badRequest } from './problem';

/**
 * Keyset cursors: a token for "the items older than id N", documented as opaque so that the format can change
 * without breaking anyone who follows `Link: rel="next"`.
 */
export function encodeCursor(beforeId: number): string {
  return beforeId.toString(36);
}

/**
 * The id a cursor stands for; 400 for one that is not a cursor. Every string of CURSOR_PATTERN is one, so
 * that the API description's pattern says exactly what is accepted: one beyond the largest id there can be
 * means "older than everything", the first page.
 */
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  if (!CURSOR_PATTERN.test(cursor)) {
    throw badRequest('cursor is not one this server issued; follow the Link header of the previous page.');
  }
  return Math.min(Number.parseInt(cursor, 36), Number.MAX_SAFE_INTEGER);
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

/**
 * A page as a bare JSON array (what the original `res.json(posts)` clients expect), with a `Link` to the next
 * page when there is one; `idOf` gives the key the next page starts after.
 */
export function pageResponse<T>(
  page: Page<T>,
  link: { request: Request; filters?: Record<string, string | undefined>; limit: number },
  idOf: (item: T) => number,
  represent: (item: T) => unknown = (item) => item,
): Response {
  const last = page.items.at(-1);
  const next = page.nextBefore ?? (last === undefined ? undefined : idOf(last));
  const headers = new Headers();
  if (page.hasMore && next !== undefined) {
    const { pathname } = new URL(link.request.url);
    headers.set('Link', nextPageLink(pathname, link.filters ?? {}, encodeCursor(next), link.limit));
  }
  return json(page.items.map(represent), { headers });
}
