import 'server-only';
import { config } from '../config';
import { HttpError } from '../http/problem';
import { openDatabase, type DatabaseHandle } from './open';
import type { DatabaseKind } from './schema';

// Cached on globalThis so that `next dev`'s module reloads reuse one connection (pool) per process.
const holder = globalThis as typeof globalThis & { __serviceDatabase?: Promise<DatabaseHandle> };

/**
 * The process's database, opened on first use. A failed open is not cached: the next request tries again,
 * so the service recovers by itself when the database comes back.
 */
export function database(): Promise<DatabaseHandle> {
  holder.__serviceDatabase ??= openDatabase(config().database).catch((error: unknown) => {
    holder.__serviceDatabase = undefined;
    // Whatever stopped the open (server down, unwritable directory, a failed migration), requests cannot be
    // served until it is fixed: 503, with the cause in the log only.
    throw new HttpError(503, 'The database is not available right now; try again shortly.', {
      headers: { 'Retry-After': '5' },
      cause: error,
    });
  });
  return holder.__serviceDatabase;
}

/** The kind of database configured, without opening it. */
export function configuredDatabaseKind(): DatabaseKind {
  return config().database.kind;
}
