import {
  sql,
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type RawBuilder,
  type SqlBool,
} from 'kysely';
import { SEARCH_BLOCK_BITS, searchable } from '../posts/search';
import { tableIn, type DatabaseKind } from './schema';

/**
 * The schema's history, run in name order by Kysely's Migrator (src/db/migrate.ts). Append only: a released
 * migration is never edited; a change is a new one. Where the databases differ (identity columns, time
 * types) the schema builder is given the type per dialect; everything else is written once.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema as it was then
type AnyDatabase = Kysely<any>;

function types(kind: DatabaseKind) {
  const sqlite = kind === 'sqlite';
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
  kind: DatabaseKind,
  schema: string | undefined,
  version: number,
): Promise<boolean> {
  const table =
    kind === 'sqlite'
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
export const migrations = (kind: DatabaseKind, schema?: string): Record<string, Migration> => ({
  '0001_posts_messages_idempotency': {
    async up(db) {
      if (await appliedBeforeMigrator(db, kind, schema, 1)) return;
      const { id, timestamp, generatedId } = types(kind);
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
      if (!(await appliedBeforeMigrator(db, kind, schema, 2))) {
        await db.schema
          .createTable('rate_limit_hits')
          .addColumn('bucket', 'text', (column) => column.notNull())
          .addColumn('window_start', types(kind).timestamp, (column) => column.notNull())
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
  '0003_post_search': {
    /** Folded copies of title and body (see src/posts/search.ts), filled for every post, and their trigram index. */
    async up(db) {
      for (const column of ['search_title', 'search_body']) {
        await db.schema
          .alterTable('posts')
          .addColumn(column, 'text', (definition) => definition.notNull().defaultTo(''))
          .execute();
      }
      await foldExistingPosts(db, kind, schema);
      if (kind === 'sqlite') {
        // External content: the index holds trigrams only; triggers keep it in step with the table.
        await sql`create virtual table posts_search using fts5(search_title, search_body, content='posts',
          content_rowid='id', tokenize='trigram case_sensitive 1', detail=none, columnsize=0)`.execute(db);
        await sql`create trigger posts_search_insert after insert on posts begin
          insert into posts_search(rowid, search_title, search_body) values (new.id, new.search_title, new.search_body);
        end`.execute(db);
        await sql`create trigger posts_search_delete after delete on posts begin
          insert into posts_search(posts_search, rowid, search_title, search_body)
            values ('delete', old.id, old.search_title, old.search_body);
        end`.execute(db);
        await sql`create trigger posts_search_update after update of search_title, search_body on posts begin
          insert into posts_search(posts_search, rowid, search_title, search_body)
            values ('delete', old.id, old.search_title, old.search_body);
          insert into posts_search(rowid, search_title, search_body) values (new.id, new.search_title, new.search_body);
        end`.execute(db);
        await sql`insert into posts_search(posts_search) values ('rebuild')`.execute(db);
      } else {
        try {
          await sql`create extension if not exists pg_trgm`.execute(db);
        } catch (error) {
          throw new Error(
            'Search needs the PostgreSQL extension pg_trgm, and this role may not create it. Ask the database ' +
              'owner to run "create extension pg_trgm;" in this database once, then start the service again.',
            { cause: error },
          );
        }
        for (const column of ['search_title', 'search_body'] as const) {
          await sql`create index ${sql.id(`posts_${column}_trigrams`)} on ${tableIn(schema, 'posts')}
            using gin (${sql.ref(column)} gin_trgm_ops)`.execute(db);
        }
      }
    },
  },
  '0004_search_index_merges': {
    /**
     * SQLite: FTS5 writes an index segment per transaction and merges segments when 4 share a level; a lookup
     * seeks in every segment. Merging at 2 halved what a probe of a common trigram costs (200,000 posts, one
     * insert per transaction: 78 → 34 µs) at no measurable cost per insert; `optimize` merges what is there
     * now into one segment (at 1,000,000 posts: 0.8 s, once).
     */
    async up(db) {
      if (kind !== 'sqlite') return;
      await sql`insert into posts_search(posts_search, rank) values ('automerge', 2)`.execute(db);
      await sql`insert into posts_search(posts_search) values ('optimize')`.execute(db);
    },
  },
  '0005_postgres_search_blocks': {
    /**
     * PostgreSQL. The GIN trigram indexes list a trigram's posts in no useful order: a search had to fetch and
     * check all of them before it knew the newest (11,111 for "number 77" at 1,000,000 posts: ~19 ms). This
     * table says which trigrams occur in each block of 2^SEARCH_BLOCK_BITS consecutive ids, so a search walks the
     * blocks newest first and checks only the posts of blocks that hold all of q's trigrams. Triggers
     * add the trigrams of every post written; a deleted or changed post's old trigrams stay, which costs a
     * search a wasted look at that block, never a missed post. It replaces the GIN indexes, which no query
     * uses any more.
     */
    async up(db) {
      if (kind !== 'postgres') return;
      const blocks = tableIn(schema, 'posts_search_blocks');
      const posts = tableIn(schema, 'posts');
      const addTrigrams = sql.id(...(schema ? [schema] : []), 'posts_search_blocks_add');
      await sql`create table ${blocks} (trigram text not null, block integer not null,
        primary key (trigram, block))`.execute(db);
      // The trigrams are those of trigrams() in src/posts/search.ts: every 3 consecutive characters (code
      // points) of each folded column. In key order, so that concurrent writers take the keys' locks in the same
      // order and cannot deadlock.
      const trigramsOf = (
        rows: RawBuilder<unknown>,
      ) => sql`select distinct substr(c.text, i, 3), (r.id >> ${sql.lit(SEARCH_BLOCK_BITS)})::integer
        from ${rows} r, lateral (values (r.search_title), (r.search_body)) c(text),
          generate_series(1, char_length(c.text) - 2) i order by 1, 2`;
      await sql`create function ${addTrigrams}() returns trigger language plpgsql as $$
        begin
          insert into ${blocks} (trigram, block) ${trigramsOf(sql`changed`)} on conflict do nothing;
          return null;
        end $$`.execute(db);
      // A trigger with a transition table serves one event: one for inserts, one for updates.
      for (const event of ['insert', 'update'] as const) {
        await sql`create trigger ${sql.id(`posts_search_blocks_${event}`)} after ${sql.raw(event)} on ${posts}
          referencing new table as changed for each statement execute function ${addTrigrams}()`.execute(db);
      }
      await sql`insert into ${blocks} (trigram, block) ${trigramsOf(posts)}`.execute(db);
      await sql`analyze ${blocks}`.execute(db);
      for (const column of ['search_title', 'search_body'])
        await sql`drop index if exists ${sql.id(...(schema ? [schema] : []), `posts_${column}_trigrams`)}`.execute(
          db,
        );
    },
  },
  '0006_search_case_folding': {
    /**
     * searchable() now folds case as Unicode's case folding does (ς is σ, ß is ss, a ligature its letters),
     * where it only lowered case. Only text beyond ASCII folds differently, so only posts that have some are
     * folded again; both search indexes follow through their update triggers.
     */
    async up(db) {
      const beyondAscii =
        kind === 'sqlite'
          ? sql<SqlBool>`(length(cast(title as blob)) <> length(title) or length(cast(body as blob)) <> length(body))`
          : sql<SqlBool>`(octet_length(title) <> char_length(title) or octet_length(body) <> char_length(body))`;
      await foldExistingPosts(db, kind, schema, beyondAscii);
    },
  },
  '0007_postgres_search_blocks_linear': {
    /**
     * PostgreSQL. 0005's triggers took a text's trigrams with substr(text, i, 3) for every i: substr finds
     * character i of UTF-8 text by walking to it, so a 20,000-character post cost ~1.7 s to write, and every
     * update (an author changed, a version bumped) paid it again. Now the characters are split once and each
     * trigram is a character and the two after it; an update adds only the trigrams of posts whose folded
     * title or body changed. The same trigrams as before, so the table stays as it is.
     */
    async up(db) {
      if (kind !== 'postgres') return;
      const blocks = tableIn(schema, 'posts_search_blocks');
      const posts = tableIn(schema, 'posts');
      const inSchema = (name: string) => sql.id(...(schema ? [schema] : []), name);
      const trigramsOf = (rows: RawBuilder<unknown>) => sql`select distinct t.trigram,
          (r.id >> ${sql.lit(SEARCH_BLOCK_BITS)})::integer
        from ${rows} r, lateral (values (r.search_title), (r.search_body)) c(text),
          lateral (select u.ch || lead(u.ch, 1) over w || lead(u.ch, 2) over w as trigram
            from unnest(string_to_array(c.text, null)) with ordinality u(ch, n) window w as (order by u.n)) t
        where t.trigram is not null order by 1, 2`;
      await sql`create or replace function ${inSchema('posts_search_blocks_add')}() returns trigger
        language plpgsql as $$
        begin
          insert into ${blocks} (trigram, block) ${trigramsOf(sql`changed`)} on conflict do nothing;
          return null;
        end $$`.execute(db);
      const searchChanged = sql`(select n.id, n.search_title, n.search_body from changed n
        join previous o on o.id = n.id
        where n.search_title is distinct from o.search_title or n.search_body is distinct from o.search_body)`;
      await sql`create or replace function ${inSchema('posts_search_blocks_change')}() returns trigger
        language plpgsql as $$
        begin
          insert into ${blocks} (trigram, block) ${trigramsOf(searchChanged)} on conflict do nothing;
          return null;
        end $$`.execute(db);
      await sql`drop trigger if exists posts_search_blocks_update on ${posts}`.execute(db);
      await sql`create trigger posts_search_blocks_update after update on ${posts}
        referencing old table as previous new table as changed
        for each statement execute function ${inSchema('posts_search_blocks_change')}()`.execute(db);
    },
  },
});

/** Writes the folded copies of every existing post (or of those `only` selects), a thousand at a time. */
async function foldExistingPosts(
  db: AnyDatabase,
  kind: DatabaseKind,
  schema: string | undefined,
  only?: RawBuilder<SqlBool>,
): Promise<void> {
  for (let after = 0; ;) {
    let query = db.selectFrom('posts').select(['id', 'title', 'body']).where('id', '>', after);
    if (only) query = query.where(only);
    const batch = await query.orderBy('id').limit(1000).execute();
    if (batch.length === 0) return;
    const posts = batch as { id: number; title: string; body: string }[];
    if (kind === 'sqlite') {
      for (const post of posts) {
        await db
          .updateTable('posts')
          .set({ search_title: searchable(post.title), search_body: searchable(post.body) })
          .where('id', '=', post.id)
          .execute();
      }
    } else {
      // One statement a batch: a round trip per post would take minutes on a large table.
      await sql`update ${tableIn(schema, 'posts')} as p set search_title = u.t, search_body = u.b
        from unnest(${posts.map((post) => post.id)}::bigint[], ${posts.map((post) => searchable(post.title))}::text[],
          ${posts.map((post) => searchable(post.body))}::text[]) as u(id, t, b)
        where p.id = u.id`.execute(db);
    }
    after = Number((batch.at(-1) as { id: number }).id);
  }
}
