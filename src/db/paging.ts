/** One page of a keyset-paged list, newest first, and whether an older page exists. */
export interface Page<T> {
  items: T[];
  hasMore: boolean;
  /**
   * Where the next page starts, when that is not after the last item: a search that stopped at its budget
   * (src/posts/search.ts) continues from where it stopped, even after an empty page.
   */
  nextBefore?: number;
}

/** Where a page starts and how long it is: keyset paging by id, newest first, never OFFSET. */
export interface PageRequest {
  limit: number;
  /** Only items with a smaller id (older ones). */
  beforeId?: number;
}

/** Fetches one row past the page to learn whether another page exists, without counting. */
export async function keysetPage<T>(limit: number, fetch: (rows: number) => Promise<T[]>): Promise<Page<T>> {
  const rows = await fetch(limit + 1);
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}
