import type { DatabaseKind } from '../../src/db/schema';

/**
 * What a database made before Kysely's Migrator holds: the DDL of the service's first two releases, as they
 * ran it, and their record in `schema_migrations`. db.test.ts upgrades such a database.
 */
export const LEGACY_SCHEMA: Record<DatabaseKind, string[]> = {
  sqlite: [
    `create table posts (id integer primary key autoincrement, title text not null, body text not null,
      author text, version integer not null default 1, created_at text not null, updated_at text not null)`,
    `create index posts_author_id on posts (author, id)`,
    `create table contact_messages (id integer primary key autoincrement, name text not null,
      email text not null, message text not null, created_at text not null)`,
    `create table idempotency_keys (key text primary key, request_hash text not null, post_id integer not null,
      response text not null, created_at text not null)`,
    `create index idempotency_keys_created_at on idempotency_keys (created_at)`,
    `create table rate_limit_hits (bucket text not null, window_start text not null, hits integer not null,
      primary key (bucket, window_start))`,
    `create index rate_limit_hits_window_start on rate_limit_hits (window_start)`,
    `create table schema_migrations (version integer primary key, name text not null, applied_at text not null)`,
    `insert into schema_migrations values (1, 'posts, contact messages and idempotency keys', '2026-01-01T00:00:00.000Z'),
      (2, 'rate limit windows', '2026-01-01T00:00:00.000Z')`,
    `insert into posts (title, body, author, created_at, updated_at)
      values ('Kept', 'From before the upgrade', 'ann', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
  ],
  postgres: [
    `create table posts (id bigint generated always as identity primary key, title text not null,
      body text not null, author text, version integer not null default 1, created_at timestamptz not null,
      updated_at timestamptz not null)`,
    `create index posts_author_id on posts (author, id)`,
    `create table contact_messages (id bigint generated always as identity primary key, name text not null,
      email text not null, message text not null, created_at timestamptz not null)`,
    `create table idempotency_keys (key text primary key, request_hash text not null, post_id bigint not null,
      response text not null, created_at timestamptz not null)`,
    `create index idempotency_keys_created_at on idempotency_keys (created_at)`,
    `create table rate_limit_hits (bucket text not null, window_start timestamptz not null, hits integer not null,
      primary key (bucket, window_start))`,
    `create index rate_limit_hits_window_start on rate_limit_hits (window_start)`,
    `create table schema_migrations (version integer primary key, name text not null, applied_at text not null)`,
    `insert into schema_migrations values (1, 'posts, contact messages and idempotency keys', '2026-01-01T00:00:00.000Z'),
      (2, 'rate limit windows', '2026-01-01T00:00:00.000Z')`,
    `insert into posts (title, body, author, created_at, updated_at)
      values ('Kept', 'From before the upgrade', 'ann', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
  ],
};
