import type { Kysely } from 'kysely';
import type { DatabaseConfig } from '../config';
import { migrate } from './migrations';
import type { Database, DatabaseKind } from './schema';

export interface DatabaseHandle {
  db: Kysely<Database>;
  kind: DatabaseKind;
  /** Migration versions that this open applied (empty when another process already had). */
  applied: number[];
}

/** Opens the configured database and brings its schema up to date; `applied` lists the migrations this call ran. */
export async function openDatabase(settings: DatabaseConfig): Promise<DatabaseHandle> {
  // Drivers load on first use, not at import: `next build` imports route modules in worker processes.
  if (settings.kind === 'sqlite') {
    const { createSqliteDatabase } = await import('./sqlite');
    const db = createSqliteDatabase(settings.file);
    try {
      return { db, kind: 'sqlite', applied: await migrate(db, 'sqlite') };
    } catch (error) {
      await db.destroy();
      throw error;
    }
  }
  const { createPostgresDatabase } = await import('./postgres');
  const db = createPostgresDatabase(settings);
  try {
    return { db, kind: 'postgres', applied: await migrate(db, 'postgres', settings.schema) };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
