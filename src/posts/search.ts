import { sql, type RawBuilder } from 'kysely';
import type { Queries } from '../db/database';
import type { ReadQuery } from '../db/read';

/**
 * `?q=`: posts whose title or body contains q, ignoring case, newest first. Text is compared as
 * `searchable()` makes it, in JavaScript, on both databases: the same results whatever the database's
 * collation or locale. The folded copies are stored beside the text (search_title, search_body) and indexed
 * by trigrams: SQLite's FTS5 `trigram` tokenizer, and on PostgreSQL a table of the trigrams in each block of ids.
 */
export const searchable = (text: string) =>
  // Upper case and back folds what lower case alone keeps apart (`ß` and `SS`, `ﬁ` and `fi`); σ for ς, and
  // ss for the ß that ẞ lowers to, are Unicode's case folding, which toLowerCase() does not do: it writes a
  // word-final Σ as ς, so `ΜΟΣ` would miss `ΜΟΣΧΑΡΙ`.
  text.normalize('NFC').toUpperCase().toLowerCase().replaceAll('ς', 'σ').replaceAll('ß', 'ss');

/**
 * No search may hold the server: it stops SEARCH_BUDGET_MS after it started (see statements()), and the page
 * it returns then may hold fewer posts than asked (even none) with a `Link` to continue from where it stopped.
 */
export const SEARCH_BUDGET_MS = 20;

export interface SearchRequest {
  q: string;
  author?: string;
  limit: number;
  /** Only posts older than this id. */
  beforeId?: number;
}

export interface SearchResult {
  /** The matching ids, newest first, at most `limit`. */
  ids: number[];
  /** Where the next page starts, when there may be more: after the last match, or where the budget ran out. */
  nextBefore?: number;
}

/**
 * A search's statements, run through `longRead`. The budget counts from the search's start, waits included:
 * under load, when statements wait their turn (on SQLite's read thread, for a PostgreSQL connection), each
 * search does less and says where to go on, rather than adding its whole budget to the queue. How long the
 * last statement itself ran (`took`, the wait not included) sizes the next one.
 */
function statements({ db, longRead }: Queries) {
  const started = performance.now();
  let took = 0;
  const select = async <Row>(query: ReadQuery<Row>): Promise<Row[]> => {
    const answer = await longRead(query);
    took = answer.ms;
    return answer.rows;
  };
  return {
    db,
    select,
    raw: <Row>(query: RawBuilder<Row>) =>
      select({ compile: () => query.compile(db), execute: async () => (await query.execute(db)).rows }),
    outOfBudget: (share = 1) => performance.now() - started >= SEARCH_BUDGET_MS * share,
    took: () => took,
  };
}

type Statements = ReturnType<typeof statements>;

export function searchPosts(queries: Queries, request: SearchRequest): Promise<SearchResult> {
  return queries.kind === 'sqlite' ? searchSqlite(queries, request) : searchPostgres(queries, request);
}

/** The distinct trigrams of folded text, by code point (what FTS5's trigram tokenizer indexes). */
function trigrams(folded: string): string[] {
  const characters = [...folded];
  const found = new Set<string>();
  for (let index = 0; index + 3 <= characters.length; index += 1)
    found.add(characters.slice(index, index + 3).join(''));
  return [...found];
}

const MAX_PROBES = 48;
const PROBE_ROWS = 64;
/** A trigram in at least a quarter of SAMPLE_ROWS posts spread over the table is common. */
const SAMPLE_ROWS = 16;
/** The sample's own cost stays under a millisecond whatever q and the posts are: at most SAMPLE_TRIGRAMS
 * trigrams are looked for (the rest are probed), in the first SAMPLE_CHARACTERS characters of each column. */
const SAMPLE_TRIGRAMS = 16;
const SAMPLE_CHARACTERS = 1000;

interface Sample {
  sampled: number;
  /** How many of the sampled posts hold each of the first SAMPLE_TRIGRAMS trigrams. */
  counts: Map<string, number>;
}

/** The start of a sampled post's folded title and body, as a statement returns it. */
const sampledText = (column: 'search_title' | 'search_body') =>
  sql<string>`substr(${sql.ref(column)}, 1, ${SAMPLE_CHARACTERS})`;

/** Counted here, not in SQL: a statement that returns 16 short rows costs far less than one that searches them. */
function countSampled(posts: [title: string, body: string][], trigrams: string[]): Sample {
  const looked = trigrams.slice(0, SAMPLE_TRIGRAMS);
  const counts = new Map(
    looked.map((trigram) => [
      trigram,
      posts.filter(([title, body]) => title.includes(trigram) || body.includes(trigram)).length,
    ]),
  );
  return { sampled: posts.length, counts };
}

/**
 * How many of SAMPLE_ROWS posts at ids spread evenly below the cursor hold each trigram: one statement, far
 * cheaper than asking an index about a common trigram, whose list is as long as the table. (Spread, not the
 * newest: the newest posts may share nothing with the rest.) PostgreSQL reads such a sample in its first
 * statement, or uses one it keeps (see TABLE_SAMPLE_ROWS).
 */
async function sampleTrigrams(
  { db, select }: Statements,
  trigrams: string[],
  before: number,
): Promise<Sample> {
  if (trigrams.length === 0 || before <= 1) return { sampled: 0, counts: new Map() };
  const ids = new Set(
    Array.from(
      { length: SAMPLE_ROWS },
      (_, index) => before - 1 - Math.floor((index * (before - 1)) / SAMPLE_ROWS),
    ),
  );
  const posts = await select(
    db
      .selectFrom('posts')
      .select([sampledText('search_title').as('title'), sampledText('search_body').as('body')])
      .where(
        'id',
        'in',
        [...ids].map((id) => sql<number>`cast(${id} as bigint)`),
      ),
  );
  return countSampled(
    posts.map(({ title, body }) => [title, body]),
    trigrams,
  );
}

/**
 * The trigrams in at least a quarter of the sampled posts. One that common would not make a sparse driver, and
 * it occurs, so it cannot show that nothing matches either: SQLite does not probe it.
 */
function commonIn({ sampled, counts }: Sample): Set<string> {
  if (sampled < 4) return new Set();
  return new Set([...counts].filter(([, count]) => 4 * count >= sampled).map(([trigram]) => trigram));
}

/**
 * SQLite. FTS5 only lists candidates, one trigram at a time (a single-token query respects rowid bounds; a
 * phrase would not, and walks every row that has all its trigrams): the rarest trigram of q, or the author
 * index, or every id, whichever is sparsest near the cursor. Each statement reads at most K candidates
 * newest first and checks them with instr() on the folded columns, so its cost is bounded whatever q is; K
 * adapts to keep statements near a millisecond. The statements run on a worker thread (`longRead`), so the
 * event loop serves other requests meanwhile. Row ids are bound as integers: better-sqlite3 binds JS numbers
 * as REAL, which FTS5 ignores as rowid bounds.
 */
async function searchSqlite(queries: Queries, request: SearchRequest): Promise<SearchResult> {
  const run = statements(queries);
  const folded = searchable(request.q);
  const { author, limit } = request;
  const maxId = (await run.raw(sql<{ id: number | null }>`select max(id) as id from posts`))[0]?.id ?? 0;
  let before = request.beforeId ?? maxId + 1;

  // Occurrences per id near the cursor, from the newest PROBE_ROWS below it; 0: nothing below can match.
  const density = ({ found, oldest }: { found: number; oldest: number | null }) =>
    found === 0 ? 0 : found < PROBE_ROWS ? found / before : found / (before - (oldest ?? 0));
  let driver: { kind: 'all' } | { kind: 'author' } | { kind: 'trigram'; phrase: string; probed: number[] } = {
    kind: 'all',
  };
  let sparsest = 1;
  const candidates = [...trigrams(folded)];
  const sampled =
    candidates.length > MAX_PROBES
      ? Array.from(
          { length: MAX_PROBES },
          (_, index) => candidates[Math.floor((index * candidates.length) / MAX_PROBES)]!,
        )
      : candidates;
  const common = commonIn(await sampleTrigrams(run, sampled, before));
  for (const trigram of sampled) {
    // Any driver gives the same answer; past half the budget, the sparsest one probed so far drives.
    if (run.outOfBudget(1 / 2)) break;
    if (common.has(trigram)) continue;
    const phrase = `"${trigram.replaceAll('"', '""')}"`;
    const probed = (
      await run.raw(
        sql<{ id: number }>`select rowid as id from posts_search where posts_search match ${phrase}
          and rowid < cast(${before} as integer) order by rowid desc limit ${PROBE_ROWS}`,
      )
    ).map((row) => row.id);
    const seen = density({ found: probed.length, oldest: probed.at(-1) ?? null });
    if (seen === 0) return { ids: [] };
    if (seen < sparsest) [driver, sparsest] = [{ kind: 'trigram', phrase, probed }, seen];
  }
  if (author !== undefined) {
    const [probe] = await run.raw(
      sql<{ found: number; oldest: number | null }>`select count(*) as found, min(id) as oldest from (
        select id from posts where author = ${author} and id < cast(${before} as integer) order by id desc limit ${PROBE_ROWS})`,
    );
    const seen = density(probe!);
    if (seen === 0) return { ids: [] };
    if (seen < sparsest) driver = { kind: 'author' };
  }

  const matches = sql`(instr(p.search_title, ${folded}) > 0 or instr(p.search_body, ${folded}) > 0)`;
  const byAuthor = author === undefined ? sql`1` : sql`p.author = ${author}`;
  const batch = (k: number) =>
    driver.kind === 'trigram'
      ? sql<{ id: number; hit: number }>`select s.rowid as id, ${matches} and ${byAuthor} as hit from (
          select rowid from posts_search where posts_search match ${driver.phrase}
          and rowid < cast(${before} as integer) order by rowid desc limit ${k}) s
          cross join posts p on p.id = s.rowid order by s.rowid desc`
      : sql<{ id: number; hit: number }>`select p.id as id, ${matches} and ${byAuthor} as hit from posts p
          where ${driver.kind === 'author' ? sql`p.author = ${author} and` : sql``} p.id < cast(${before} as integer)
          order by p.id desc limit ${k}`;

  // The driving trigram's probe has already listed its newest ids below the cursor: the first statement checks
  // those by primary key rather than read the index again (deep in the table, FTS5's backward read is the
  // dearest step of a search).
  const probedCheck = (candidates: number[]) =>
    sql<{ id: number; hit: number }>`select p.id as id, ${matches} and ${byAuthor} as hit from posts p
      where p.id in (select value from json_each(${JSON.stringify(candidates)})) order by p.id desc`;
  let probed = driver.kind === 'trigram' ? driver.probed : undefined;

  const ids: number[] = [];
  // The first statement reads as many candidates as a page needs (most searches end there); k grows from it.
  for (let k = limit + 1; ;) {
    const candidates = probed?.slice(0, k);
    const found = await run.raw(candidates ? probedCheck(candidates) : batch(k));
    const took = run.took();
    for (const row of found) {
      if (!row.hit) continue;
      ids.push(row.id);
      if (ids.length > limit) return { ids: ids.slice(0, limit), nextBefore: ids[limit - 1] };
    }
    // A probe shorter than PROBE_ROWS listed every candidate there is; a post deleted since is simply missing.
    if (candidates ? candidates.length === probed!.length && probed!.length < PROBE_ROWS : found.length < k)
      return { ids };
    before = candidates ? candidates.at(-1)! : found.at(-1)!.id;
    probed = undefined;
    if (run.outOfBudget()) return { ids, nextBefore: before };
    k = took < 1 ? Math.min(k * 2, 4096) : took > 2 ? Math.max(limit + 1, k >> 1) : k;
  }
}

/** A sampled post as PostgreSQL's first statement returns it: id, and the start of its folded title and body. */
type SampledPost = [id: number, title: string, body: string];

/**
 * PostgreSQL's sample of the whole table, read by a search when none is kept and kept for TABLE_SAMPLE_MS, so
 * that most searches read none (reading one was about a fifth of a search's cost in the database). A search
 * with a cursor uses the kept posts below it when there are SAMPLE_ROWS of them. A kept sample may be a second
 * old: the sample only chooses how to search (which trigram drives), never what is found.
 */
const TABLE_SAMPLE_ROWS = 4 * SAMPLE_ROWS;
export const TABLE_SAMPLE_MS = 1000;
const keptSamples = new WeakMap<Queries, { taken: number; posts: SampledPost[] }>();

function keepSample(queries: Queries, posts: SampledPost[]) {
  keptSamples.set(queries, { taken: performance.now(), posts });
}

function keptSample(queries: Queries): SampledPost[] | undefined {
  const kept = keptSamples.get(queries);
  return kept && performance.now() - kept.taken <= TABLE_SAMPLE_MS ? kept.posts : undefined;
}

/** `count` of the posts, spread evenly from the newest, as the posts of one sample. */
function spread(posts: SampledPost[], count: number): [title: string, body: string][] {
  const newestFirst = [...posts].sort(([a], [b]) => b - a);
  const step = Math.max(1, newestFirst.length / count);
  const picked: [string, string][] = [];
  for (let index = 0; index < newestFirst.length && picked.length < count; index += step) {
    const [, title, body] = newestFirst[Math.floor(index)]!;
    picked.push([title, body]);
  }
  return picked;
}

/** The newest ids PostgreSQL checks one by one before it looks for q's trigrams. */
const FIRST_WINDOW = 64;

/**
 * PostgreSQL's trigram table (migration 0005) records the trigrams of each block of 2^SEARCH_BLOCK_BITS ids. Its
 * triggers were written with this value: changing it needs a migration that rebuilds the table.
 */
export const SEARCH_BLOCK_BITS = 8;
const BLOCK_IDS = 2 ** SEARCH_BLOCK_BITS;
/**
 * The blocks holding the rarest trigram that one statement lists (and checks for the others), and of those
 * that hold them all, how many it reads the posts of: few at first, since the newest usually hold the page,
 * then more, up to a bound on what one statement may cost (MAX_CHECKED_BLOCKS × BLOCK_IDS posts).
 */
const FIRST_DRIVER_BLOCKS = 32;
const MAX_DRIVER_BLOCKS = 256;
const FIRST_CHECKED_BLOCKS = 4;
const MAX_CHECKED_BLOCKS = 32;
/**
 * Besides the rarest, at most this many of q's trigrams are required of a block: those that no sampled post
 * holds. One that a sampled post holds is in nearly every block of 256 posts, so asking for it would cost an
 * index probe per block and rule out none.
 */
const REQUIRED_TRIGRAMS = 15;

/**
 * One past the largest id the trigram table can name (its block numbers are 32-bit): the bound of a search
 * without a cursor until a statement finds the newest id.
 */
const NO_CURSOR = 2 ** 31 * BLOCK_IDS;

/**
 * The newest id below `before` (0 when there is none), in SQL: a made-up cursor must not walk billions of
 * empty ids. Not least(.., max(id)) alone: least() skips a null, so an empty table would give `before - 1`.
 */
const topBelow = (before: number) => sql<number>`least(cast(${before - 1} as bigint), coalesce(max(id), 0))`;

/** int8[] comes back as strings. */
const toIds = (values: (number | string)[]) => values.map(Number);

/**
 * PostgreSQL. The first statement finds the newest id (the cursor, if lower), checks the newest FIRST_WINDOW ids
 * below it with strpos() (a q that is common has its page there) and reads the sample; when a kept sample
 * serves (see TABLE_SAMPLE_ROWS), there is no first statement. When the sample shows that one of q's trigrams
 * is rare, one statement walks the trigram table's blocks of ids that hold that trigram, newest first, until
 * the first few that hold the other rare ones too, and checks the posts of those. When every trigram is
 * common, nearly every block would hold them all; then id windows newest first, checked with strpos() (a
 * bounded primary-key range scan each), go on for the rest of the budget.
 */
async function searchPostgres(queries: Queries, request: SearchRequest): Promise<SearchResult> {
  const { table } = queries;
  const run = statements(queries);
  const folded = searchable(request.q);
  const { author, limit } = request;
  const byAuthor = author === undefined ? sql`true` : sql`author = ${author}`;
  const ids: number[] = [];
  const page = (): SearchResult | undefined =>
    ids.length > limit ? { ids: ids.slice(0, limit), nextBefore: ids[limit - 1] } : undefined;
  const matches = sql<boolean>`(strpos(search_title, ${folded}) > 0 or strpos(search_body, ${folded}) > 0) and ${byAuthor}`;
  const qTrigrams = trigrams(folded);

  // Raw SQL: these statements run on every search, and building them with the query builder took about a
  // quarter of the server's CPU for a search.
  const posts = table('posts');
  // A kept sample with enough posts below the cursor tells how to search: no first statement then. Else the
  // first statement reads one: a whole-table sample, kept for the searches that follow, when none is kept;
  // else SAMPLE_ROWS posts spread below the cursor.
  const kept = keptSample(queries);
  const keptBelow =
    kept && (request.beforeId === undefined ? kept : kept.filter(([id]) => id < request.beforeId!));
  let sample: SampledPost[];
  let before: number;
  if (keptBelow && keptBelow.length >= SAMPLE_ROWS) {
    sample = keptBelow;
    // The statements below stay under the newest id themselves.
    before = Math.min(request.beforeId ?? NO_CURSOR, NO_CURSOR);
  } else {
    const sampling = kept
      ? { below: sql`top`, rows: SAMPLE_ROWS }
      : { below: sql`newest`, rows: TABLE_SAMPLE_ROWS };
    const [first] = await run.raw(
      sql<{ top: number; first_matches: (number | string)[]; sample: SampledPost[] | null }>`
        with bounds as (select max(id) as newest, ${topBelow(request.beforeId ?? NO_CURSOR)} as top from ${posts})
        select top,
          array(select id from ${posts} where id <= top and id > top - ${FIRST_WINDOW} and ${matches}
            order by id desc limit ${limit + 1}) as first_matches,
          (select json_agg(json_build_array(id, ${sampledText('search_title')}, ${sampledText('search_body')}))
            from ${posts} where id = any(array(select ${sampling.below} - (i * ${sampling.below}) / ${sampling.rows}
              from generate_series(0, ${sampling.rows - 1}) as i))) as sample
        from bounds`,
    );
    if (!first) return { ids };
    if (!kept) keepSample(queries, first.sample ?? []);
    sample = (first.sample ?? []).filter(([id]) => request.beforeId === undefined || id < request.beforeId);
    ids.push(...toIds(first.first_matches));
    before = Math.max(1, Number(first.top) + 1 - FIRST_WINDOW);
    if (page() || before <= 1) return page() ?? { ids };
  }

  const { sampled, counts } = countSampled(spread(sample, SAMPLE_ROWS), qTrigrams);
  const hasRareTrigram =
    sampled < 4 || qTrigrams.length > counts.size || [...counts.values()].some((count) => count === 0);
  if (qTrigrams.length > 0 && hasRareTrigram) {
    // The rarest in the sample drives; a trigram past the sampled ones is as likely rare as not.
    const rarity = (trigram: string) => counts.get(trigram) ?? 0.5;
    const [driver, ...others] = [...qTrigrams].sort((a, b) => rarity(a) - rarity(b));
    const rare = others.filter((trigram) => sampled < 4 || !counts.get(trigram));
    const required = rare.filter((_, index) => index % Math.ceil(rare.length / REQUIRED_TRIGRAMS) === 0);
    const blockOf = (id: number) => Math.floor(id / BLOCK_IDS);
    const searchBlocks = table('posts_search_blocks');
    for (
      let listed = FIRST_DRIVER_BLOCKS, checked = FIRST_CHECKED_BLOCKS;
      before > 1;
      listed = Math.min(2 * listed, MAX_DRIVER_BLOCKS), checked = Math.min(2 * checked, MAX_CHECKED_BLOCKS)
    ) {
      // Of the newest `listed` blocks below the cursor that hold the rarest trigram, the first `checked` that
      // hold the others too (the index is walked newest first and stops there: a block without them costs as
      // much to rule out), and the matches in those.
      const holdsAll =
        required.length === 0
          ? sql`true`
          : sql`(select count(*) from ${searchBlocks} other
              where other.trigram in (${sql.join(required)}) and other.block = candidate.block) = ${required.length}`;
      const blocks = await run.raw(
        sql<{ lowest: number | null; listed: number; block: number | null; found: (number | string)[] }>`
          with span as (
            select min(block) as lowest, count(*) as listed from (
              select block from ${searchBlocks} where trigram = ${driver} and block <= ${blockOf(before - 1)}
              order by block desc limit ${listed}) as driven)
          select lowest, listed, checked.block,
            array(select id from ${posts} where id >= checked.block * ${BLOCK_IDS}::bigint
              and id < least((checked.block + 1) * ${BLOCK_IDS}::bigint, ${before}::bigint) and ${matches}
              order by id desc limit ${limit + 1 - ids.length}) as found
          from span left join lateral (
            select block from ${searchBlocks} candidate
            where candidate.trigram = ${driver} and candidate.block <= ${blockOf(before - 1)}
              and candidate.block >= span.lowest and ${holdsAll}
            order by block desc limit ${checked}) as checked on true
          order by checked.block desc`,
      );
      let checkedBlocks = 0;
      for (const { block, found } of blocks) {
        if (block === null) break;
        checkedBlocks += 1;
        ids.push(...toIds(found));
        before = Math.min(before, Math.max(1, block * BLOCK_IDS));
        if (page()) return page()!;
      }
      if (checkedBlocks < checked) {
        // Every listed block was looked at; fewer listed than asked: no block below holds the rarest trigram.
        const [{ lowest, listed: listedBlocks }] = blocks as [(typeof blocks)[number]];
        if (listedBlocks < listed || lowest === null) return { ids };
        before = Math.min(before, Math.max(1, lowest * BLOCK_IDS));
      }
      if (run.outOfBudget()) return { ids, nextBefore: before };
    }
    return { ids };
  }

  /** The matches among the `window` ids below `before` (below the newest id), newest first, as many as the
   * page still needs. */
  const checkWindow = async (window: number) => {
    const [found] = await run.raw(
      sql<{ top: number; found: (number | string)[] }>`
        with bounds as (select ${topBelow(before)} as top from ${posts})
        select top, array(select id from ${posts} where id <= top and id > top - ${window} and ${matches}
          order by id desc limit ${limit + 1 - ids.length}) as found
        from bounds`,
    );
    ids.push(...toIds(found!.found));
    before = Math.max(1, Number(found!.top) + 1 - window);
  };
  for (let window = 2000; before > 1;) {
    await checkWindow(window);
    const took = run.took();
    if (page()) return page()!;
    if (run.outOfBudget()) return { ids, nextBefore: before };
    window = took < 2 ? Math.min(window * 2, 8000) : Math.max(500, window >> 1);
  }
  return { ids };
}
