import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/database';
import { migrations } from '../src/db/migrations';
import { messagesRepository } from '../src/messages/repository';
import { prepared } from '../src/db/prepared';
import { throughKysely } from '../src/db/read';
import { postsRepository } from '../src/posts/repository';
import { rateLimitRepository } from '../src/rate-limit/repository';
import { LEGACY_SCHEMA } from './support/legacy-schema';
import { testBackends } from './support/backends';

const run = promisify(execFile);
/** better-sqlite3 objects kept until exit: on Node 24 one collected outside JavaScript aborts the process
 * (see src/db/sqlite.ts). */
const keptUntilExit: unknown[] = [];
const ALL_MIGRATIONS = Object.keys(migrations('sqlite')).sort();

for (const backend of testBackends()) {
  describe(`database on ${backend.name}`, () => {
    after(() => backend.cleanup());

    test('processes that start together apply each migration exactly once', async () => {
      const settings = backend.settings();
      const opens = await Promise.all(
        Array.from({ length: 4 }, () =>
          run(process.execPath, [
            '--import',
            'tsx',
            'test/support/open-database.ts',
            JSON.stringify(settings),
          ]),
        ),
      );
      const applied = opens.flatMap(({ stdout }) => JSON.parse(stdout) as string[]).sort();
      assert.deepEqual(applied, ALL_MIGRATIONS);
      // Reopening finds nothing to do.
      const again = await openDatabase(settings);
      assert.deepEqual(again.applied, []);
      await again.destroy();
    });

    test('a database made before the Migrator is upgraded in place: its data kept, its history adopted', async () => {
      const settings = backend.settings();
      if (settings.kind === 'sqlite') {
        const legacy = new Database(settings.file);
        for (const statement of LEGACY_SCHEMA.sqlite) legacy.exec(statement);
        legacy.close();
        keptUntilExit.push(legacy);
      } else {
        const client = new pg.Client({ connectionString: settings.url });
        await client.connect();
        await client.query(`create schema "${settings.schema}"`);
        await client.query(`set search_path to "${settings.schema}"`);
        for (const statement of LEGACY_SCHEMA.postgres) await client.query(statement);
        await client.end();
      }
      const opened = await openDatabase(settings);
      const { db, applied, destroy } = opened;
      try {
        assert.deepEqual(applied, ALL_MIGRATIONS);
        const posts = postsRepository(() => opened);
        const kept = await posts.list({ limit: 10 });
        assert.deepEqual(
          kept.items.map(({ post }) => [post.title, post.author]),
          [['Kept', 'ann']],
        );
        const added = await posts.insert(
          { title: 'New', body: 'After the upgrade', author: null },
          new Date(),
        );
        assert.ok(added.post.id > kept.items[0]!.post.id);
        // The search indexes hold the posts written before them.
        const found = await posts.list({ limit: 10, q: 'BEFORE THE' });
        assert.deepEqual(
          found.items.map(({ post }) => post.title),
          ['Kept'],
        );
        if (settings.kind === 'postgres') {
          const blocks = await db
            .selectFrom('posts_search_blocks')
            .select('trigram')
            .where('trigram', 'in', ['kep', 'ept', 'upg'])
            .execute();
          assert.deepEqual(blocks.map((row) => row.trigram).sort(), ['ept', 'kep', 'upg']);
        }
        const tables =
          settings.kind === 'sqlite'
            ? await db.introspection.getTables()
            : (await db.introspection.getTables()).filter((table) => table.schema === settings.schema);
        assert.equal(
          tables.some((table) => table.name === 'schema_migrations'),
          false,
        );
      } finally {
        await destroy();
      }
    });

    test('0006 folds again the posts folded before it, and only those beyond ASCII: ΑΤΟΣ finds ΚΡΑΣΑΤΟΣ', async () => {
      const settings = backend.settings();
      const first = await openDatabase(settings);
      const posts = postsRepository(() => first);
      const greek = await posts.insert(
        { title: 'ΜΟΣΧΑΡΙ ΚΡΑΣΑΤΟΣ', body: 'Straße', author: null },
        new Date(),
      );
      const ascii = await posts.insert({ title: 'Plain', body: 'Plain text', author: null }, new Date());
      // As searchable() folded before 0006 (lower case only), and 0006 not yet applied.
      const foldedBefore = (text: string) => text.normalize('NFC').toLowerCase();
      for (const [stored, marker] of [
        [greek, ''],
        [ascii, ' (untouched)'],
      ] as const) {
        await first.db
          .updateTable('posts')
          .set({
            search_title: foldedBefore(stored.post.title) + marker,
            search_body: foldedBefore(stored.post.body),
          })
          .where('id', '=', stored.post.id)
          .execute();
      }
      const history = first.db as unknown as Kysely<{ kysely_migration: { name: string } }>;
      // 0006 and the migrations after it, as a database that had not reached 0006 has them: not yet applied.
      const fromSix = ALL_MIGRATIONS.filter((name) => name >= '0006');
      await history.deleteFrom('kysely_migration').where('name', 'in', fromSix).execute();
      for (const q of ['ΑΤΟΣ', 'STRASSE']) {
        assert.deepEqual(
          (await posts.list({ limit: 10, q })).items.map(({ post }) => post.id),
          [],
          `before 0006, ${q} misses`,
        );
      }
      await first.destroy();

      const reopened = await openDatabase(settings);
      try {
        assert.deepEqual(reopened.applied, fromSix);
        const after = postsRepository(() => reopened);
        for (const q of ['ΑΤΟΣ', 'κρασατος', 'ΜΟΣ', 'STRASSE', 'strasse']) {
          assert.deepEqual(
            (await after.list({ limit: 10, q })).items.map(({ post }) => post.id),
            [greek.post.id],
            q,
          );
        }
        const untouched = await reopened.db
          .selectFrom('posts')
          .select('search_title')
          .where('id', '=', ascii.post.id)
          .executeTakeFirstOrThrow();
        assert.equal(untouched.search_title, 'plain (untouched)');
      } finally {
        await reopened.destroy();
      }
    });

    test('queries compiled once run with each call’s values, per filter, database and transaction', async () => {
      const [one, other] = [await openDatabase(backend.settings()), await openDatabase(backend.settings())];
      try {
        const posts = postsRepository(() => one);
        const now = new Date();
        const [a1, b1, a2] = [
          await posts.insert({ title: 'A1', body: 'x', author: 'ann' }, now),
          await posts.insert({ title: 'B1', body: 'x', author: 'bob' }, now),
          await posts.insert({ title: 'A2', body: 'x', author: 'ann' }, now),
        ];
        const titles = async (page: Parameters<typeof posts.list>[0]) =>
          (await posts.list(page)).items.map(({ post }) => post.title);
        // The same shapes, asked again with other values, and each filter alone and together.
        for (let round = 0; round < 2; round += 1) {
          assert.deepEqual(await titles({ limit: 10 }), ['A2', 'B1', 'A1']);
          assert.deepEqual(await titles({ limit: 1 }), ['A2']);
          assert.deepEqual(await titles({ limit: 10, author: 'ann' }), ['A2', 'A1']);
          assert.deepEqual(await titles({ limit: 10, author: 'bob' }), ['B1']);
          assert.deepEqual(await titles({ limit: 10, beforeId: a2.post.id }), ['B1', 'A1']);
          assert.deepEqual(await titles({ limit: 10, beforeId: a2.post.id, author: 'ann' }), ['A1']);
          assert.deepEqual(await titles({ limit: 10, beforeId: b1.post.id }), ['A1']);
          for (const { post } of [a1, b1, a2])
            assert.equal((await posts.get(post.id))?.post.title, post.title);
        }
        // A value Kysely would make SQL of (a list for `in`) cannot stand in a query compiled once.
        const byIds = prepared((db, values: { ids: number[] }) =>
          db.selectFrom('posts').select('id').where('id', 'in', values.ids),
        );
        assert.throws(() => byIds(one, { ids: [a1.post.id] }), /ids must be a string, number/);
        // Another database (on PostgreSQL another schema, named in the SQL) is not read through the first's.
        const elsewhere = postsRepository(() => other);
        assert.equal(await elsewhere.get(a1.post.id), undefined);
        assert.deepEqual((await elsewhere.list({ limit: 10 })).items, []);
        // In a transaction the reads go through it, and see its own writes.
        await one.db.transaction().execute(async (trx) => {
          const inside = postsRepository(() => ({ ...one, db: trx, read: throughKysely }));
          const added = await inside.insert({ title: 'A3', body: 'x', author: 'ann' }, now);
          assert.equal((await inside.get(added.post.id))?.post.title, 'A3');
          assert.deepEqual(
            (await inside.list({ limit: 2, author: 'ann' })).items.map(({ post }) => post.title),
            ['A3', 'A2'],
          );
        });
      } finally {
        await one.destroy();
        await other.destroy();
      }
    });

    test('messages: stored with their count within the limit, listed newest first with numeric ids, paged by id', async () => {
      const opened = await openDatabase(backend.settings());
      const messages = messagesRepository(() => opened);
      const limits = rateLimitRepository(() => opened);
      const rule = { limit: 2, windowSeconds: 600 };
      const now = new Date();
      const send = (name: string) =>
        limits.hit(
          'a',
          rule,
          now,
          messages.createWithinLimit({ name, email: 'x@example.com', message: name }, now),
        );
      assert.deepEqual(
        [(await send('Ann')).allowed, (await send('Bob')).allowed, (await send('Cy')).allowed],
        [true, true, false],
      );
      const { items, hasMore } = await messages.list({ limit: 1 });
      assert.equal(hasMore, true);
      const [second] = items;
      assert.equal(typeof second?.id, 'number');
      assert.deepEqual(second, {
        id: second?.id,
        name: 'Bob',
        email: 'x@example.com',
        message: 'Bob',
        createdAt: now.toISOString(),
      });
      const older = await messages.list({ limit: 5, beforeId: second!.id });
      assert.deepEqual(
        older.items.map((message) => message.name),
        ['Ann'],
      );
      assert.equal(older.hasMore, false);
      await opened.destroy();
    });
  });
}
