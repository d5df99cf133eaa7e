import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { migrations } from './migrations';
import type { Database, DatabaseKind } from './schema';

/** Names this service's migration lock among PostgreSQL advisory locks (any constant would do). */
const MIGRATION_LOCK = 7_314_159_265;

/**
 * Brings the schema up to date with Kysely's Migrator and returns the migrations this call applied (none when
 * another process already had). Everything runs in one transaction on one connection that first takes the
 * database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock), so
 * processes that start together wait for each other, a failed migration leaves nothing behind, and it works
 * through a transaction-pooling PgBouncer, where a session lock taken outside a transaction would not hold.
 */
export async function migrate(db: Kysely<Database>, kind: DatabaseKind, schema?: string): Promise<string[]> {
  return db.connection().execute(async (connection) => {
    let tableSchema = schema;
    if (kind === 'sqlite') {
      await sql`begin immediate`.execute(connection);
    } else {
      await sql`begin`.execute(connection);
      await sql`select pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(connection);
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(connection);
      // The Migrator looks for its tables in every schema unless told which one is ours.
      tableSchema ??= (await sql<{ name: string }>`select current_schema() as name`.execute(connection))
        .rows[0]?.name;
    }
    const migrator = new Migrator({
      db: connection,
      provider: { getMigrations: async () => insideSavepoints(migrations(kind, schema)) },
      migrationTableSchema: tableSchema,
      // Ours is the transaction; the Migrator would otherwise open its own (PostgreSQL) or none (SQLite).
      disableTransactions: true,
    });
    const { error, results = [] } = await migrator.migrateToLatest();
    await sql.raw(error ? 'rollback' : 'commit').execute(connection);
    if (error) {
      if (kind === 'postgres') await sql`select pg_advisory_unlock_all()`.execute(connection);
      throw error;
    }
    return results.map((result) => result.migrationName);
  });
}

/**
 * Each migration runs inside a savepoint that a failure rolls back to, so that the transaction stays usable:
 * the Migrator then releases its own lock and reports the migration's error, rather than the "transaction
 * aborted" of whatever it ran next; the whole transaction is rolled back all the same.
 */
function insideSavepoints(migrations: Record<string, Migration>): Record<string, Migration> {
  return Object.fromEntries(
    Object.entries(migrations).map(([name, migration]) => [
      name,
      {
        async up(db: Kysely<unknown>) {
          await sql`savepoint migration`.execute(db);
          try {
            await migration.up(db);
          } catch (error) {
            await sql`rollback to savepoint migration`.execute(db);
            throw error;
          }
          await sql`release savepoint migration`.execute(db);
        },
      },
    ]),
  );
}
