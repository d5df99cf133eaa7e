import { sql, type Kysely } from 'kysely';
import type { Database, DatabaseKind } from './schema';

interface Migration {
  version: number;
  name: string;
  /** The only SQL that differs per database: column types and identity columns. */
  up: Record<DatabaseKind, string[]>;
}

/** Append only: a released migration is never edited, a change is a new version. */
export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'posts, contact messages and idempotency keys',
    up: {
      sqlite: [
        `create table posts (
          id integer primary key autoincrement,
          title text not null,
          body text not null,
          author text,
          version integer not null default 1,
          created_at text not null,
          updated_at text not null
        )`,
        `create index posts_author_id on posts (author, id)`,
        `create table contact_messages (
          id integer primary key autoincrement,
          name text not null,
          email text not null,
          message text not null,
          created_at text not null
        )`,
        `create table idempotency_keys (
          key text primary key,
          request_hash text not null,
          post_id integer not null,
          response text not null,
          created_at text not null
        )`,
        `create index idempotency_keys_created_at on idempotency_keys (created_at)`,
      ],
      postgres: [
        `create table posts (
          id bigint generated always as identity primary key,
          title text not null,
          body text not null,
          author text,
          version integer not null default 1,
          created_at timestamptz not null,
          updated_at timestamptz not null
        )`,
        `create index posts_author_id on posts (author, id)`,
        `create table contact_messages (
          id bigint generated always as identity primary key,
          name text not null,
          email text not null,
          message text not null,
          created_at timestamptz not null
        )`,
        `create table idempotency_keys (
          key text primary key,
          request_hash text not null,
          post_id bigint not null,
          response text not null,
          created_at timestamptz not null
        )`,
        `create index idempotency_keys_created_at on idempotency_keys (created_at)`,
      ],
    },
  },
  {
    version: 2,
    name: 'rate limit windows',
    up: {
      sqlite: [
        `create table rate_limit_hits (
          bucket text not null,
          window_start text not null,
          hits integer not null,
          primary key (bucket, window_start)
        )`,
        `create index rate_limit_hits_window_start on rate_limit_hits (window_start)`,
      ],
      postgres: [
        `create table rate_limit_hits (
          bucket text not null,
          window_start timestamptz not null,
          hits integer not null,
          primary key (bucket, window_start)
        )`,
        `create index rate_limit_hits_window_start on rate_limit_hits (window_start)`,
      ],
    },
  },
];

/** Arbitrary constant that names this service's migration lock among PostgreSQL advisory locks. */
const POSTGRES_MIGRATION_LOCK = 7_314_159_265;

/**
 * Applies the migrations not yet recorded, each exactly once, even when several processes start together:
 * everything runs in one transaction that first takes the database's write lock (SQLite: BEGIN IMMEDIATE,
 * PostgreSQL: a transaction-scoped advisory lock), so a second process waits and then finds nothing to do.
 */
export async function migrate(db: Kysely<Database>, kind: DatabaseKind, schema?: string): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    if (kind === 'postgres') {
      await sql`select pg_advisory_xact_lock(${POSTGRES_MIGRATION_LOCK})`.execute(trx);
      if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(trx);
    }
    await sql`create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      applied_at text not null
    )`.execute(trx);
    const rows = await trx.selectFrom('schema_migrations').select('version').execute();
    const applied = new Set(rows.map((row) => Number(row.version)));
    const newlyApplied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.up[kind]) await sql.raw(statement).execute(trx);
      await trx
        .insertInto('schema_migrations')
        .values({ version: migration.version, name: migration.name, applied_at: new Date().toISOString() })
        .execute();
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
}
