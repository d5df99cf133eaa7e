import { sql, SqliteAdapter, type ColumnDefinitionBuilder, type Kysely, type Migration } from 'kysely';

/**
 * The schema's history, run in name order by Kysely's Migrator (src/db/migrate.ts). Append only: a released
 * migration is never edited; a change is a new one. Where the databases differ (identity columns, time
 * types) the schema builder is given the type per dialect; everything else is written once.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was then
type AnyDatabase = Kysely<any>;

const onSqlite = (db: AnyDatabase) => db.getExecutor().adapter instanceof SqliteAdapter;

function types(db: AnyDatabase) {
  const sqlite = onSqlite(db);
  return {
    id: sqlite ? ('integer' as const) : ('bigint' as const),
    timestamp: sqlite ? ('text' as const) : ('timestamptz' as const),
    /** An id the database assigns: AUTOINCREMENT (never reused) or an identity column. */
    generatedId: (column: ColumnDefinitionBuilder) =>
      sqlite ? column.primaryKey().autoIncrement() : column.primaryKey().generatedAlwaysAsIdentity(),
  };
}

/**
 * Databases created before the Migrator kept their history in `schema_migrations` (version 1 and 2 below);
 * such a database already has what those versions made, and only needs them recorded.
 */
async function appliedBeforeMigrator(
  db: AnyDatabase,
  schema: string | undefined,
  version: number,
): Promise<boolean> {
  const table = onSqlite(db)
    ? sql`select 1 from sqlite_master where type = 'table' and name = 'schema_migrations'`
    : sql`select 1 from information_schema.tables
          where table_schema = ${schema ?? sql`current_schema()`} and table_name = 'schema_migrations'`;
  if ((await table.execute(db)).rows.length === 0) return false;
  const row = await db
    .selectFrom('schema_migrations')
    .select('version')
    .where('version', '=', version)
    .executeTakeFirst();
  return row !== undefined;
}

/** The migrations for a database whose tables live in `schema` (PostgreSQL's `?schema=`), else the default. */
export const migrations = (schema?: string): Record<string, Migration> => ({
  '0001_posts_messages_idempotency': {
    async up(db) {
      if (await appliedBeforeMigrator(db, schema, 1)) return;
      const { id, timestamp, generatedId } = types(db);
      await db.schema
        .createTable('posts')
        .addColumn('id', id, generatedId)
        .addColumn('title', 'text', (column) => column.notNull())
        .addColumn('body', 'text', (column) => column.notNull())
        .addColumn('author', 'text')
        .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
        .addColumn('created_at', timestamp, (column) => column.notNull())
        .addColumn('updated_at', timestamp, (column) => column.notNull())
        .execute();
      await db.schema.createIndex('posts_author_id').on('posts').columns(['author', 'id']).execute();
      await db.schema
        .createTable('contact_messages')
        .addColumn('id', id, generatedId)
        .addColumn('name', 'text', (column) => column.notNull())
        .addColumn('email', 'text', (column) => column.notNull())
        .addColumn('message', 'text', (column) => column.notNull())
        .addColumn('created_at', timestamp, (column) => column.notNull())
        .execute();
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('key', 'text', (column) => column.primaryKey())
        .addColumn('request_hash', 'text', (column) => column.notNull())
        .addColumn('post_id', id, (column) => column.notNull())
        .addColumn('response', 'text', (column) => column.notNull())
        .addColumn('created_at', timestamp, (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('idempotency_keys_created_at')
        .on('idempotency_keys')
        .column('created_at')
        .execute();
    },
  },
  '0002_rate_limit_windows': {
    async up(db) {
      if (!(await appliedBeforeMigrator(db, schema, 2))) {
        await db.schema
          .createTable('rate_limit_hits')
          .addColumn('bucket', 'text', (column) => column.notNull())
          .addColumn('window_start', types(db).timestamp, (column) => column.notNull())
          .addColumn('hits', 'integer', (column) => column.notNull())
          .addPrimaryKeyConstraint('rate_limit_hits_pkey', ['bucket', 'window_start'])
          .execute();
        await db.schema
          .createIndex('rate_limit_hits_window_start')
          .on('rate_limit_hits')
          .column('window_start')
          .execute();
      }
      // The history is the Migrator's from here on.
      await db.schema.dropTable('schema_migrations').ifExists().execute();
    },
  },
});
