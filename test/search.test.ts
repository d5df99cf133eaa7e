import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createPost, listPosts } from '../src/posts/service';
import { sql } from 'kysely';
import { queries, type Queries } from '../src/db/database';
import {
  SEARCH_BLOCK_BITS,
  TABLE_SAMPLE_MS,
  searchPosts,
  searchable,
  type SearchRequest,
} from '../src/posts/search';
import { testBackends, useProcessDatabase, type TestBackend } from './support/backends';

/** Titles and bodies where case folding, normalisation and LIKE's own characters can go wrong. */
const CORPUS: [title: string, body: string][] = [
  ['Crème brûlée', 'A dessert with CARAMEL on top.'],
  ['CRÈME BRÛLÉE (shouting)', 'Same dessert, in capitals.'],
  ['Cre\u0300me decomposed', 'An e and a combining grave accent, NFD.'],
  ['Straße', 'German sharp s, lower case.'],
  ['STRASSE', 'Upper case, with SS.'],
  ['Grüße aus ẞ-Land', 'Capital sharp s: ẞ.'],
  ['İstanbul', 'Turkish capital dotted İ.'],
  ['ıstanbul', 'Turkish dotless ı.'],
  ['istanbul', 'Plain ascii.'],
  ['Emoji 😀 party', 'Grinning 😀😀 and a family 👨‍👩‍👧.'],
  ['100% sure', 'Percent % and underscore _ and backslash \\ taken literally.'],
  ['snake_case_name', 'An identifier.'],
  ['C:\\path\\to', 'Windows path.'],
  ['ΣΊΣΥΦΟΣ', 'Greek capitals with a final sigma.'],
  ['σίσυφος', 'Greek lower case.'],
  ['Quote "marks" here', "And an apostrophe's too."],
  ['Oﬃce ﬁle', 'Ligatures ﬃ and ﬁ.'],
];

const QUERIES = [
  'crème',
  'CRÈME',
  'creme',
  'brûlée',
  'cre\u0300me',
  'straße',
  'STRASSE',
  'strasse',
  'ß',
  'ẞ',
  'ss',
  'İstanbul',
  'istanbul',
  'ıstanbul',
  'i̇',
  '😀',
  '😀😀',
  '👨‍👩‍👧',
  '%',
  '100%',
  '_',
  '_case',
  '\\',
  'c:\\path',
  'σίσυφος',
  'ΣΊΣΥΦΟΣ',
  'ς',
  'ΣΊΣ',
  'ΦΟΣ',
  'ﬁ',
  '"marks"',
  "apostrophe's",
  'e',
  'zz',
  'no such text anywhere',
  'a'.repeat(200),
];

/** Every page of a search, followed to its end, as titles. */
async function searchAll(q: string, author: string): Promise<string[]> {
  const titles: string[] = [];
  let beforeId: number | undefined;
  for (let pages = 0; pages < 100; pages += 1) {
    const page = await listPosts({ limit: 3, q, author, beforeId });
    titles.push(...page.items.map((stored) => stored.post.title));
    if (!page.hasMore) return titles;
    beforeId = page.nextBefore ?? page.items.at(-1)?.post.id;
  }
  throw new Error(`q=${q} did not end`);
}

/** `count` posts by `author`, the nth titled and bodied by `text(n)`, inserted 500 at a time. */
async function insertPosts(
  author: string,
  count: number,
  text: (n: number) => [title: string, body: string],
) {
  const now = new Date().toISOString();
  for (let start = 0; start < count; start += 500) {
    const rows = Array.from({ length: Math.min(500, count - start) }, (_, offset) => {
      const [title, body] = text(start + offset);
      return { title, body, author, created_at: now, updated_at: now };
    });
    await queries()
      .db.insertInto('posts')
      .values(
        rows.map((row) => ({
          ...row,
          search_title: searchable(row.title),
          search_body: searchable(row.body),
        })),
      )
      .execute();
  }
}

/** What "contains, ignoring case" means, in JavaScript: the answer both databases must give. */
const expected = (q: string) =>
  CORPUS.filter(
    ([title, body]) => searchable(title).includes(searchable(q)) || searchable(body).includes(searchable(q)),
  )
    .map(([title]) => title)
    .reverse();

/** A PostgreSQL database whose collation and character type are C, where lower() folds ASCII only. */
function cCollationBackend(url: string): TestBackend & { create(): Promise<void> } {
  const base = new URL(url);
  const server = new URL(base);
  server.pathname = '/postgres';
  const database = `search_c_${process.pid}`;
  const target = new URL(base);
  target.pathname = `/${database}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: server.toString() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    settings: () => ({
      kind: 'postgres',
      url: target.toString(),
      poolMax: 3,
      schema: undefined,
      queryTimeoutMs: 10_000,
    }),
    create: () =>
      admin(`create database ${database} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`),
    cleanup: () => admin(`drop database if exists ${database}`),
  };
}

function searchSuite(label: string, backend: TestBackend) {
  describe(`search on ${label}`, () => {
    useProcessDatabase(backend);
    const author = `search-${Date.now()}`;
    before(async () => {
      for (const [title, body] of CORPUS) await createPost({ title, body, author });
    });

    test('contains, ignoring case, the same as JavaScript says, for accents, ß, İ/ı, emoji, %, _ and \\', async () => {
      for (const q of QUERIES)
        assert.deepEqual(await searchAll(q, author), expected(q), `q=${JSON.stringify(q)}`);
    });

    test('keyset paging, author and limit combine with q', async () => {
      const first = await listPosts({ limit: 1, q: 'dessert', author });
      assert.deepEqual(
        first.items.map((stored) => stored.post.title),
        ['CRÈME BRÛLÉE (shouting)'],
      );
      assert.equal(first.hasMore, true);
      const rest = await listPosts({ limit: 5, q: 'dessert', author, beforeId: first.nextBefore });
      assert.deepEqual(
        rest.items.map((stored) => stored.post.title),
        ['Crème brûlée'],
      );
      assert.equal((await listPosts({ limit: 5, q: 'dessert', author: 'nobody at all' })).items.length, 0);
    });

    test('a cursor far above the newest post finds the same as no cursor', async () => {
      // A made-up cursor must not send the search through billions of empty ids until its budget runs out.
      for (const q of ['dessert', 'e'])
        for (const by of [author, undefined])
          assert.deepEqual(
            (await listPosts({ limit: 5, q, author: by, beforeId: 2 ** 40 })).items.map(
              (stored) => stored.post.id,
            ),
            (await listPosts({ limit: 5, q, author: by })).items.map((stored) => stored.post.id),
            `q=${q}, author=${by}`,
          );
    });

    test('a q whose trigrams are common in the table is answered exactly, found deep or not at all', async () => {
      // Newer posts by another author use the same words: on SQLite their trigrams are common in the table
      // (and not probed in the index); on PostgreSQL the newest ids hold no match, so the trigram indexes
      // answer. The queries mix common trigrams with rare ones, absent ones, and none.
      const reports = `reports-${Date.now()}`;
      const titles = ['Weekly report summary', ...Array.from({ length: 30 }, (_, n) => `Weekly report ${n}`)];
      for (const title of titles)
        await createPost({ title, body: 'Filed by the weekly report robot.', author: reports });
      for (let n = 0; n < 300; n += 1)
        await createPost({
          title: `Weekly report ${n}`,
          body: 'Filed by the weekly report robot.',
          author: `${reports}-other`,
        });
      const newestFirst = [...titles].reverse();
      const cases: [q: string, titles: string[]][] = [
        ['weekly report', newestFirst],
        ['report summary', ['Weekly report summary']],
        ['report 2', newestFirst.filter((title) => /report 2/.test(title))],
        ['report zebra', []],
        ['robot weekly', []],
      ];
      for (const [q, want] of cases) assert.deepEqual(await searchAll(q, reports), want, `q=${q}`);
    });

    test('a rare trigram with more candidates than one probe lists: every page, any limit', async () => {
      // "zebra" is in 150 posts, more than the 64 ids a probe lists, and "zebra 1" in the 61 whose number
      // starts with 1: the pages follow the probe's ids, then the index below them. Posts by others between
      // them make the trigrams sparser than the table (so one of them drives the search) and rare in it.
      const zebras = `zebras-${Date.now()}`;
      const titles = Array.from({ length: 150 }, (_, n) => `Zebra ${n}`);
      for (const [n, title] of titles.entries()) {
        await createPost({ title, body: 'Striped.', author: zebras });
        // Irregular gaps: a sample of the table taken at a regular step must not land on zebras only.
        for (const other of ['Horse', 'Donkey', 'Pony', 'Mule', 'Okapi', 'Camel'].slice(0, 2 + ((n * 7) % 5)))
          await createPost({ title: other, body: 'Plain.', author: 'others' });
      }
      const newestFirst = [...titles].reverse();
      for (const [q, want] of [
        ['zebra', newestFirst],
        ['zebra 1', newestFirst.filter((title) => title.startsWith('Zebra 1'))],
      ] as const) {
        assert.deepEqual(await searchAll(q, zebras), want, `q=${q}`);
        for (const limit of [1, 20, 100]) {
          const page = await listPosts({ limit, q: q.toUpperCase(), author: zebras });
          assert.deepEqual(
            page.items.map((stored) => stored.post.title),
            want.slice(0, limit),
            `q=${q} limit=${limit}`,
          );
        }
      }
    });

    test('matches far apart, thousands of posts between them: every page, newest first', async () => {
      // On PostgreSQL the trigram table leads the search from block to block of ids; a decoy post holds all
      // the trigrams of q but not q itself.
      const { db, kind } = queries();
      const needles = new Set([40, 900, 1500, 2100, 2101, 3500, 4700, 5200, 5990]);
      const author = `needles-${Date.now()}`;
      await insertPosts(author, 6000, (n) =>
        needles.has(n)
          ? [`Needle qxv ${n}`, 'Found it.']
          : n === 3000
            ? ['Needle here', 'and qxv there']
            : [`Filler ${n}`, `Nothing to see in post ${n}.`],
      );
      const want = [...needles].reverse().map((n) => `Needle qxv ${n}`);
      assert.deepEqual(await searchAll('NEEDLE QXV', author), want);
      const page = await listPosts({ limit: 2, q: 'needle qxv' });
      assert.deepEqual(
        page.items.map((stored) => stored.post.title),
        want.slice(0, 2),
      );
      // One page for all: more blocks hold q's trigrams than PostgreSQL's first statement reads the posts of.
      const whole = await listPosts({ limit: 10, q: 'needle qxv', author });
      assert.deepEqual(
        whole.items.map((stored) => stored.post.title),
        want,
      );
      if (kind === 'postgres') {
        const blocks = await db
          .selectFrom('posts_search_blocks')
          .select('block')
          .where('trigram', '=', 'qxv')
          .orderBy('block')
          .execute();
        const ids = await db
          .selectFrom('posts')
          .select('id')
          .where('author', '=', author)
          .where(sql<boolean>`strpos(search_body || ' ' || search_title, 'qxv') > 0`)
          .execute();
        const expectedBlocks = [
          ...new Set(ids.map((row) => Math.floor(Number(row.id) / 2 ** SEARCH_BLOCK_BITS))),
        ];
        assert.deepEqual(
          blocks.map((row) => row.block),
          expectedBlocks.sort((a, b) => a - b),
        );
      }
    });

    if (backend.name === 'postgres')
      test('a driving trigram in more blocks than a statement lists, and the others only far below: every match', async () => {
        // "vvq", q's first trigram, is in every block of ids and in no sampled post, so it drives; the others are
        // only in the matches, in 9 blocks below the 32 newest that the first block statement lists.
        const database = queries();
        const { db } = database;
        const author = `far-${Date.now()}`;
        const blockIds = 2 ** SEARCH_BLOCK_BITS;
        await insertPosts(author, 48 * blockIds, (n) => [`Filler ${n}`, 'Nothing to see.']);
        const ids = (await db.selectFrom('posts').select('id').where('author', '=', author).execute()).map(
          (row) => Number(row.id),
        );
        const newest = Math.max(...ids);
        // The ids the first statement samples (see searchPostgres): none of them may become special.
        const sampled = new Set(Array.from({ length: 64 }, (_, i) => newest - Math.floor((i * newest) / 64)));
        const topBlock = Math.floor(newest / blockIds);
        const change = async (block: number, title: string) => {
          const id = ids.find((each) => Math.floor(each / blockIds) === block && !sampled.has(each))!;
          await db
            .updateTable('posts')
            .set({ title, search_title: searchable(title) })
            .where('id', '=', id)
            .execute();
          return id;
        };
        const matches: number[] = [];
        for (let block = topBlock; block > topBlock - 48; block -= 1) {
          if (block <= topBlock - 32 && block > topBlock - 41)
            matches.push(await change(block, `Match vvq jjx ${block}`));
          else await change(block, 'Only vvq.');
        }
        const found: number[] = [];
        // A Queries of its own: no sample kept by other searches.
        const own: Queries = { ...database };
        for (let beforeId: number | undefined, pages = 0; pages < 20; pages += 1) {
          const page = await searchPosts(own, { q: 'VVQ JJX', author, limit: 3, beforeId });
          found.push(...page.ids);
          if (page.nextBefore === undefined) break;
          beforeId = page.nextBefore;
        }
        assert.deepEqual(found, matches);
      });

    if (backend.name === 'postgres')
      test('a sample of the table serves the searches of the next second; a cursor below it reads its own', async () => {
        const statements: string[] = [];
        const database = queries();
        const recording: Queries = {
          ...database,
          longRead: (query) => {
            statements.push(query.compile().sql);
            return database.longRead(query);
          },
        };
        // Whether a search's first statement read sampled posts (their text comes back as JSON).
        const readsSample = async (request: Omit<SearchRequest, 'limit'>) => {
          statements.length = 0;
          await searchPosts(recording, { limit: 3, ...request });
          return statements[0]!.includes('json_agg');
        };
        const newest = Number(
          (
            await sql<{ id: number }>`select max(id) as id from ${database.table('posts')}`.execute(
              database.db,
            )
          ).rows[0]!.id,
        );
        assert.equal(await readsSample({ q: 'dessert' }), true, 'the first search reads the sample it keeps');
        assert.equal(await readsSample({ q: 'crème' }), false, 'the next one reads none');
        assert.equal(
          await readsSample({ q: 'crème', beforeId: newest + 1 }),
          false,
          'nor one with a cursor above it',
        );
        assert.equal(await readsSample({ q: 'crème', beforeId: 2 }), true, 'one below it reads its own');
        await new Promise((resolve) => setTimeout(resolve, TABLE_SAMPLE_MS + 100));
        assert.equal(await readsSample({ q: 'crème' }), true, 'a second later, the sample is read again');
      });

    test('a changed post is found by its new text and no longer by its old', async () => {
      const { stored } = await createPost({ title: 'Before the change', body: 'Old words', author });
      const { changePost } = await import('../src/posts/service');
      await changePost(stored.post.id, { title: 'After the change', body: 'New words' });
      assert.deepEqual(await searchAll('old words', author), []);
      assert.deepEqual(await searchAll('new words', author), ['After the change']);
    });

    test('a long post costs its length to write, not its square; a change of author re-indexes nothing', async () => {
      const { changePost } = await import('../src/posts/service');
      // Characters beyond ASCII (CJK), each post's own: 2,000 and 20,000 of them.
      let seed = 7;
      const cjk = (length: number) =>
        Array.from({ length }, () =>
          String.fromCodePoint(0x4e00 + ((seed = (seed * 48271) % 2147483647) % 20000)),
        ).join('');
      const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
      const timed = async (work: () => Promise<unknown>) => {
        const started = performance.now();
        await work();
        return performance.now() - started;
      };
      const writes = { short: [] as number[], long: [] as number[], author: [] as number[] };
      let last = '';
      for (let round = 0; round < 3; round += 1) {
        writes.short.push(await timed(() => createPost({ title: 'Short', body: cjk(2_000), author })));
        last = cjk(20_000);
        let id = 0;
        writes.long.push(
          await timed(
            async () => (id = (await createPost({ title: 'Long', body: last, author })).stored.post.id),
          ),
        );
        writes.author.push(await timed(() => changePost(id, { author: `${author}-moved` })));
      }
      const [short, long, authorOnly] = [median(writes.short), median(writes.long), median(writes.author)];
      console.info(
        `[search] ${label}: a post of 2,000 characters ${short.toFixed(1)} ms, of 20,000 ${long.toFixed(1)} ms, ` +
          `its author changed ${authorOnly.toFixed(1)} ms (medians of 3)`,
      );
      // Ten times the text: ~10 times the time if linear, ~100 if quadratic.
      assert.ok(long < 30 * Math.max(short, 1), `20,000 characters took ${long} ms, 2,000 took ${short} ms`);
      assert.ok(
        authorOnly < long / 2,
        `changing the author took ${authorOnly} ms, writing the post ${long} ms`,
      );
      // The trigrams at the very end of the long body are indexed.
      assert.deepEqual(await searchAll(last.slice(-4), `${author}-moved`), ['Long']);
    });
  });
}

test('ignoring case is Unicode case folding: a final ς is σ, ß and ẞ are ss, a ligature is its letters', () => {
  assert.ok(searchable('ΜΟΣΧΑΡΙ ΚΡΑΣΑΤΟ').includes(searchable('ΜΟΣ')));
  assert.equal(searchable('ΣΊΣΥΦΟΣ'), searchable('σίσυφος'));
  assert.equal(new Set(['straße', 'STRASSE', 'STRAẞE', 'Strasse'].map(searchable)).size, 1);
  assert.equal(searchable('Oﬃce ﬁle'), 'office file');
  assert.equal(searchable('Cre\u0300me'), searchable('Crème'));
  assert.deepEqual(expected('ΣΊΣ'), ['σίσυφος', 'ΣΊΣΥΦΟΣ']);
});

for (const backend of testBackends()) searchSuite(backend.name, backend);

for (const backend of testBackends()) {
  describe(`search on ${backend.name}, in a table without posts`, () => {
    useProcessDatabase(backend);
    test('every search answers with an empty page and no page after it', async () => {
      // Not a walk down from the largest id there could be until the budget runs out, ending in a Link.
      for (const q of ['e', 'ab', 'dessert', 'of post'])
        for (const beforeId of [undefined, 5, 2 ** 40]) {
          const page = await listPosts({ limit: 3, q, beforeId });
          assert.deepEqual(
            { items: page.items, hasMore: page.hasMore },
            { items: [], hasMore: false },
            `q=${q}, beforeId=${beforeId}`,
          );
        }
    });
  });
}

const postgresUrl = process.env.TEST_DATABASE_URL?.trim();
if (postgresUrl) {
  const collated = cCollationBackend(postgresUrl);
  describe('a PostgreSQL database created with LC_COLLATE and LC_CTYPE C', () => {
    before(() => collated.create());
    searchSuite('postgres (C collation)', { ...collated, cleanup: async () => undefined });
    after(() => collated.cleanup());
  });
}
