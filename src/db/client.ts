import 'server-only';
import { config } from '../config';
import { unavailableError } from './errors';
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
    throw unavailableError(error) ?? error;
  });
  return holder.__serviceDatabase;
}

/** The kind of database configured, without opening it. */
export function configuredDatabaseKind(): DatabaseKind {
  return config().database.kind;
}
