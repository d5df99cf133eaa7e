import 'server-only';
import { outcomeOf } from './db/errors';
import { reason } from './db/database';
import { markDatabaseUnavailable } from './request-context';

/**
 * Loads what a page shows. When the database is unavailable, the page says so (see app/unavailable.tsx)
 * with one log line, and the server answers 503 with Retry-After (server.ts), as the API does, rather than
 * a 500 with a stack trace: nothing is wrong with the page, only away for a moment.
 */
export async function loadForPage<T>(
  load: () => Promise<T>,
): Promise<{ available: true; data: T } | { available: false }> {
  try {
    return { available: true, data: await load() };
  } catch (error) {
    const outcome = outcomeOf(error);
    if (outcome?.outcome !== 'unavailable') throw error;
    console.error(`[page] the database is unavailable: ${reason(outcome.cause ?? error)}`);
    markDatabaseUnavailable();
    return { available: false };
  }
}
