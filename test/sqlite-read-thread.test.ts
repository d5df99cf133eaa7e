import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database';

/** SQLite's long reads (a search's statements) run on a worker thread: the event loop goes on meanwhile. */
describe('SQLite long reads', async () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'read-thread-'));
  const opened = await openDatabase({
    kind: 'sqlite',
    file: path.join(directory, 'app.db'),
    synchronous: 'normal',
  });
  after(async () => {
    await opened.destroy();
    rmSync(directory, { recursive: true, force: true });
  });
  const timedRead = <Row>(query: ReturnType<typeof sql<Row>>) =>
    opened.longRead({
      compile: () => query.compile(opened.db),
      execute: () => Promise.reject(new Error('unused')),
    });
  const longRead = async <Row>(query: ReturnType<typeof sql<Row>>) => (await timedRead(query)).rows;
  // A recursive count: CPU-bound inside SQLite, long enough to see timers that could not fire.
  const counting = sql<{
    total: number;
  }>`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${3_000_000})
    select count(*) as total from n`;

  test('a statement that runs for a while does not hold the event loop', async () => {
    const gaps: number[] = [];
    let last = performance.now();
    const ticking = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 5);
    const started = performance.now();
    const [row] = await longRead(counting);
    const took = performance.now() - started;
    clearInterval(ticking);
    // The wait since the last tick counts too: a statement that held the loop shows there.
    gaps.push(performance.now() - last);
    assert.equal(row?.total, 3_000_000);
    const longestGap = Math.max(...gaps);
    console.info(
      `[read thread] statement ${took.toFixed(0)} ms; longest gap between 5 ms timers ${longestGap.toFixed(1)} ms`,
    );
    // The statement itself takes far longer than any gap the timers saw.
    assert.ok(took > 100, `the statement took only ${took.toFixed(0)} ms: too short to show anything`);
    assert.ok(
      longestGap < took / 2,
      `a timer waited ${longestGap.toFixed(0)} ms of a ${took.toFixed(0)} ms statement`,
    );
  });

  test("the time a read reports is its statement's, not its wait behind another", async () => {
    const started = performance.now();
    const [long, short] = await Promise.all([
      timedRead(counting),
      timedRead(sql<{ one: number }>`select 1 as one`),
    ]);
    const shortWall = performance.now() - started;
    console.info(
      `[read thread] the long statement reported ${long.ms.toFixed(0)} ms; the short one behind it ` +
        `${short.ms.toFixed(2)} ms of the ${shortWall.toFixed(0)} ms it waited for its answer`,
    );
    assert.ok(long.ms > 100, `the long statement reported only ${long.ms.toFixed(0)} ms`);
    assert.ok(shortWall >= long.ms, 'the short statement did not wait behind the long one');
    assert.ok(short.ms < 50, `the short statement reported ${short.ms.toFixed(0)} ms`);
  });

  test('sees what the writer has committed', async () => {
    await opened.db
      .insertInto('posts')
      .values({
        title: 'Seen',
        body: 'from the read thread',
        author: 'tester',
        created_at: new Date().toISOString(),
        updated_at: new Date().toISOString(),
        search_title: 'seen',
        search_body: 'from the read thread',
      })
      .execute();
    const rows = await longRead(sql<{ title: string }>`select title from posts where author = ${'tester'}`);
    assert.deepEqual(rows, [{ title: 'Seen' }]);
  });

  test("a failing statement rejects with SQLite's error code, and the next read works", async () => {
    await assert.rejects(
      async () => longRead(sql`select * from no_such_table`),
      (error: Error & { code?: string }) => {
        assert.match(error.message, /no such table/);
        assert.equal(error.code, 'SQLITE_ERROR');
        return true;
      },
    );
    assert.deepEqual(await longRead(sql<{ one: number }>`select 1 as one`), [{ one: 1 }]);
  });

  test('many reads at once each get their own answer', async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => longRead(sql<{ value: number }>`select ${index} as value`)),
    );
    assert.deepEqual(
      answers.map(([row]) => row?.value),
      Array.from({ length: 50 }, (_, index) => index),
    );
  });
});
