import type { ExpressionBuilder } from 'kysely';
import type { RateLimit } from '../config';
import { queries, type Queries } from '../db/database';
import { prepared } from '../db/prepared';
import type { ReadQuery } from '../db/read';
import type { Database } from '../db/schema';

export interface RateLimitVerdict {
  allowed: boolean;
  /** Requests counted in the current window, this one included. */
  hits: number;
  /** Seconds until the current window ends (at least 1): when a refused client may try again. */
  retryAfterSeconds: number;
  windowStart: Date;
}

/**
 * How late a request may reach the database and still find its window's count: far longer than it can wait
 * for the database (its busy and query timeouts) or for the server (its request timeout).
 */
const LATE_ARRIVAL_MS = 120_000;

/** The window a request was counted in, and the limit it is held to. */
export interface CountedWindow {
  bucket: string;
  /** As stored (ISO 8601). */
  windowStart: string;
  limit: number;
}

/**
 * In SQL: the window's count is within its limit. A statement that runs after the count, in its transaction
 * (see hit), takes this as its condition.
 */
export function withinLimit(eb: ExpressionBuilder<Database, never>, window: CountedWindow) {
  const count = eb
    .selectFrom('rate_limit_hits')
    .select('hits')
    .where('bucket', '=', window.bucket)
    .where('window_start', '=', window.windowStart);
  return eb(count, '<=', window.limit);
}

/**
 * One upsert, compiled once (see prepared): the row is created or incremented atomically, so concurrent
 * requests (from any process) each get their own count and none is lost.
 */
const countHit = prepared((db, values: { bucket: string; windowStart: string }) =>
  db
    .insertInto('rate_limit_hits')
    .values({ bucket: values.bucket, window_start: values.windowStart, hits: 1 })
    .onConflict((conflict) =>
      conflict
        .columns(['bucket', 'window_start'])
        .doUpdateSet((eb) => ({ hits: eb('rate_limit_hits.hits', '+', 1) })),
    )
    .returning('hits'),
);

/**
 * Fixed-window request counters in the database, so that every server process on the same SQLite file or
 * PostgreSQL database counts against one limit (a per-process counter would multiply it by the instances).
 */
export function rateLimitRepository(on: () => Queries) {
  const db = () => on().db;
  return {
    /**
     * Counts one request for `bucket` and says whether it is within `rule`. `ifAllowed`, a write made for the
     * window counted (see withinLimit), runs in the same transaction as the count, and so changes nothing
     * unless the request is within the limit.
     */
    async hit(
      bucket: string,
      rule: RateLimit,
      now: Date,
      ifAllowed?: (window: CountedWindow) => ReadQuery<unknown>,
    ): Promise<RateLimitVerdict> {
      const windowMs = rule.windowSeconds * 1000;
      const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
      const counted = { bucket, windowStart: windowStart.toISOString() };
      const count = countHit(on(), counted);
      const [[row], written] = ifAllowed
        ? await on().together(count, ifAllowed({ ...counted, limit: rule.limit }))
        : [await count.execute()];
      if (!row) throw new Error('The upsert returned no count.');
      const hits = Number(row.hits);
      const allowed = hits <= rule.limit;
      // Its condition and this verdict read the same count: they cannot disagree unless something is wrong.
      if (allowed && written?.length === 0) {
        throw new Error('The count allowed the request, but its write changed nothing.');
      }
      const retryAfterSeconds = Math.max(
        1,
        Math.ceil((windowStart.getTime() + windowMs - now.getTime()) / 1000),
      );
      return { allowed, hits, retryAfterSeconds, windowStart };
    },

    /**
     * Housekeeping, done when a client opens a new window rather than by a scheduler: deletes the windows that
     * can no longer refuse anyone. Not the one just before `current`, nor any that ended less than
     * LATE_ARRIVAL_MS before it began: a request that arrived in such a window may still be waiting for the
     * database, and must find its window's count there rather than start it again at 1 (which, under load,
     * let a client send twice its limit). (Every bucket uses the same window length today; a limit with a
     * longer window would need its cleanup keyed by its own buckets.) Best effort, outside the counting
     * transaction: two instances deleting the same rows at once must not fail a request that was already
     * counted, and whatever stays behind goes with the next new window.
     */
    async deleteFinishedWindows(current: Date, rule: RateLimit): Promise<void> {
      const kept = current.getTime() - rule.windowSeconds * 1000 - LATE_ARRIVAL_MS;
      try {
        await db()
          .deleteFrom('rate_limit_hits')
          .where('window_start', '<', new Date(kept).toISOString())
          .execute();
      } catch (error) {
        console.warn(
          '[rate-limit] could not delete old windows:',
          error instanceof Error ? error.message : error,
        );
      }
    },
  };
}

/** The counters of the process's database. */
export const rateLimits = rateLimitRepository(queries);
