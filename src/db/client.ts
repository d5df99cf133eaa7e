import 'server-only';
import type { Kysely } from 'kysely';
import { config, type DatabaseConfig } from '../config';
import { unavailableError } from './errors';
import { migrate } from './migrations';
import type { Database, DatabaseKind } from './schema';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDatabase(settings: DatabaseConfig): Promise<DatabaseHandle> {
  // Drivers load on first use, not at import: `next build` imports route modules in worker processes.
  if (settings.kind === 'sqlite') {
    const { createSqliteDatabase } = await import('./sqlite');
    const db = createSqliteDatabase(settings.file);
    await migrate(db, 'sqlite');
    return { db, kind: 'sqlite' };
  }
  const { createPostgresDatabase } = await import('./postgres');
  const db = createPostgresDatabase(settings);
  try {
    await migrate(db, 'postgres', settings.schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, kind: 'postgres' };
}

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
