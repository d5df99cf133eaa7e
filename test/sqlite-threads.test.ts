import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database';
import { isUniqueViolation } from '../src/db/errors';

/**
 * SQLite's writes and long reads (a search's statements) run on worker threads, each with its own
 * connection: the event loop goes on meanwhile.
 */
describe('SQLite threads', async () => {
  const directory = mkdtempSync(path.join(tmpdir(), 'sqlite-threads-'));
  const file = path.join(directory, 'app.db');
  const opened = await openDatabase({ kind: 'sqlite', file, synchronous: 'normal' });
  /** better-sqlite3 objects kept until exit (see closedButReferenced in src/db/sqlite.ts). */
  const keptUntilExit: unknown[] = [];
  /** An idempotency key's row: a small table to write to. */
  const key = (name: string) => ({
    key: name,
    request_hash: 'x',
    post_id: 1,
    response: '{}',
    created_at: new Date().toISOString(),
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

  /** The longest gap between 5 ms timers while `work` runs, and how long it took. */
  async function timersDuring(work: () => Promise<unknown>) {
    const gaps: number[] = [];
    let last = performance.now();
    const ticking = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, 5);
    const started = performance.now();
    await work();
    const took = performance.now() - started;
    clearInterval(ticking);
    // The wait since the last tick counts too: a statement that held the loop shows there.
    gaps.push(performance.now() - last);
    return { took, longestGap: Math.max(...gaps) };
  }

  /** The statement itself takes far longer than any gap the timers saw. */
  function assertLoopFree(which: string, { took, longestGap }: { took: number; longestGap: number }) {
    console.info(
      `[${which}] statement ${took.toFixed(0)} ms; longest gap between 5 ms timers ${longestGap.toFixed(1)} ms`,
    );
    assert.ok(took > 100, `the statement took only ${took.toFixed(0)} ms: too short to show anything`);
    assert.ok(
      longestGap < took / 2,
      `a timer waited ${longestGap.toFixed(0)} ms of a ${took.toFixed(0)} ms statement`,
    );
  }

  test('a long read does not hold the event loop', async () => {
    let rows: { total: number }[] = [];
    const timing = await timersDuring(async () => (rows = await longRead(counting)));
    assert.deepEqual(rows, [{ total: 3_000_000 }]);
    assertLoopFree('read thread', timing);
  });

  test('nor does a write', async () => {
    let rows: { total: number }[] = [];
    const timing = await timersDuring(async () => ({ rows } = await counting.execute(opened.db)));
    assert.deepEqual(rows, [{ total: 3_000_000 }]);
    assertLoopFree('write thread', timing);
  });

  test('a transaction waits for another writer (as another process is) with the event loop free, then goes on', async () => {
    const other = new Database(file);
    keptUntilExit.push(other);
    other.exec('begin immediate');
    const holding = setTimeout(() => other.exec('commit'), 300);
    let written = false;
    let timing: Awaited<ReturnType<typeof timersDuring>>;
    try {
      timing = await timersDuring(() =>
        opened.db.transaction().execute(async (trx) => {
          await trx.insertInto('idempotency_keys').values(key('after-the-other')).execute();
          written = true;
        }),
      );
    } finally {
      clearTimeout(holding);
      if (other.inTransaction) other.exec('commit');
    }
    console.info(
      `[writers] waited ${timing.took.toFixed(0)} ms for another process; longest gap between 5 ms timers ` +
        `${timing.longestGap.toFixed(1)} ms`,
    );
    assert.ok(written);
    assert.ok(timing.took >= 250, `the transaction did not wait for the other process (${timing.took} ms)`);
    assert.ok(timing.longestGap < 100, `a timer waited ${timing.longestGap.toFixed(0)} ms`);
    await opened.db.deleteFrom('idempotency_keys').execute();
  });

  test('a transaction behind one that does not end gets SQLITE_BUSY (a 503) in 5 s, not a wait without end', async () => {
    let finish = () => {};
    const first = opened.db.transaction().execute(() => new Promise<void>((resolve) => (finish = resolve)));
    const started = performance.now();
    await assert.rejects(
      opened.db.transaction().execute(async () => undefined),
      (error: Error & { code?: string }) => error.code === 'SQLITE_BUSY',
    );
    const waited = performance.now() - started;
    finish();
    await first;
    console.info(`[writers] the second transaction gave up after ${waited.toFixed(0)} ms`);
    assert.ok(waited >= 4_900 && waited < 6_000, `it gave up after ${waited.toFixed(0)} ms`);
  });

  test('a transaction does not wait for a busy event loop between its statements', async () => {
    // The event loop busy as under load: one task after another, 5 ms each, until the transaction is done.
    let busy = true;
    const occupy = () => {
      const until = performance.now() + 5;
      while (performance.now() < until);
      if (busy) setImmediate(occupy);
    };
    setImmediate(occupy);
    const started = performance.now();
    await opened.db.transaction().execute(async (trx) => {
      for (let index = 0; index < 20; index += 1) await sql`select ${index} as value`.execute(trx);
    });
    const took = performance.now() - started;
    busy = false;
    console.info(`[write thread] a transaction of 20 statements took ${took.toFixed(1)} ms on a busy loop`);
    // Waiting for the loop between statements would take at least 20 turns of 5 ms.
    assert.ok(took < 50, `the transaction took ${took.toFixed(0)} ms: it waited for the event loop`);
  });

  test('transactions hold the write connection from BEGIN to COMMIT: read-then-write never interleaves', async () => {
    const post = (title: string) => ({
      title,
      body: 'counted',
      author: 'counter',
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
      search_title: title,
      search_body: 'counted',
    });
    // Each transaction reads how many posts the counter has, then writes the next number: were two ever
    // inside at once (each statement a round trip to the thread), two would write the same number.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        opened.db.transaction().execute(async (trx) => {
          const { count } = await trx
            .selectFrom('posts')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('author', '=', 'counter')
            .executeTakeFirstOrThrow();
          await trx
            .insertInto('posts')
            .values(post(`number ${count}`))
            .execute();
        }),
      ),
    );
    const titles = await opened.db
      .selectFrom('posts')
      .select('title')
      .where('author', '=', 'counter')
      .execute();
    assert.deepEqual(
      titles.map(({ title }) => title).sort((a, b) => Number(a.split(' ')[1]) - Number(b.split(' ')[1])),
      Array.from({ length: 20 }, (_, index) => `number ${index}`),
    );
  });

  test('writes that arrive together share one commit; one that fails fails alone', async () => {
    const observer = new Database(file);
    keptUntilExit.push(observer);
    /** The frames the write-ahead log holds: every commit appends the pages it changed. */
    const framesInLog = () => (observer.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
    await opened.db.insertInto('idempotency_keys').values(key('taken')).execute();
    // An empty log: what it holds afterwards is what these writes appended.
    assert.equal((observer.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy, 0);
    // While the thread runs a long statement, 40 inserts queue up behind it, one of them refused.
    const busy = counting.execute(opened.db);
    const inserts = Array.from({ length: 40 }, (_, index) =>
      opened.db
        .insertInto('idempotency_keys')
        .values(key(index === 17 ? 'taken' : `together-${index}`))
        .execute(),
    );
    const outcomes = await Promise.allSettled([busy, ...inserts]);
    const frames = framesInLog();
    console.info(`[write thread] 40 inserts queued together appended ${frames} frames to the log`);
    const refused = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [index] : []));
    assert.deepEqual(refused, [18], 'only the insert of a taken key fails');
    assert.ok(isUniqueViolation((outcomes[18] as PromiseRejectedResult).reason));
    const { count } = await opened.db
      .selectFrom('idempotency_keys')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('key', 'like', 'together-%')
      .executeTakeFirstOrThrow();
    assert.equal(count, 39);
    // One commit per insert appends at least a frame each (39 here before this change).
    assert.ok(frames < 20, `the 39 inserts appended ${frames} frames: they did not share a commit`);
    await opened.db.deleteFrom('idempotency_keys').execute();
  });

  test('a transaction takes in no write sent on its own, before it or while it is open: those stay when it rolls back', async () => {
    const busy = counting.execute(opened.db);
    const inserts = Array.from({ length: 40 }, (_, index) =>
      opened.db
        .insertInto('idempotency_keys')
        .values(key(`before-${index}`))
        .execute(),
    );
    let during: Promise<unknown>[] = [];
    const rolledBack = opened.db.transaction().execute(async (trx) => {
      await trx.insertInto('idempotency_keys').values(key('in-transaction')).execute();
      // Others write while the transaction waits for something else.
      during = Array.from({ length: 10 }, (_, index) =>
        opened.db
          .insertInto('idempotency_keys')
          .values(key(`during-${index}`))
          .execute(),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('rolled back on purpose');
    });
    await assert.rejects(rolledBack, /rolled back on purpose/);
    await Promise.all([busy, ...inserts, ...during]);
    const kept = await opened.db.selectFrom('idempotency_keys').select('key').execute();
    assert.equal(kept.filter(({ key }) => key.startsWith('before-')).length, 40);
    assert.equal(kept.filter(({ key }) => key.startsWith('during-')).length, 10);
    assert.ok(!kept.some(({ key }) => key === 'in-transaction'));
    await opened.db.deleteFrom('idempotency_keys').execute();
  });

  test('when SQLite rolls a whole transaction back itself, each statement caught in it is told why, and no other write is lost', async () => {
    // RAISE(ROLLBACK) ends the whole transaction, as a full disk or an I/O error does.
    await sql`create table rolls_back (x)`.execute(opened.db);
    await sql`create trigger rolls_back_all before insert on rolls_back begin select raise(rollback, 'rolled back by SQLite'); end`.execute(
      opened.db,
    );
    const byTrigger = (error: Error & { code?: string }) =>
      error.code === 'SQLITE_CONSTRAINT_TRIGGER' && /rolled back by SQLite/.test(error.message);
    const keys = async (prefix: string) =>
      (await opened.db.selectFrom('idempotency_keys').select('key').execute())
        .map(({ key }) => key)
        .filter((name) => name.startsWith(prefix))
        .sort();

    // On the write thread, in a group: every member rolled back is told the cause, not a savepoint error.
    const busy = counting.execute(opened.db);
    const group = [
      opened.db.insertInto('idempotency_keys').values(key('group-0')).execute(),
      sql`insert into rolls_back values (1)`.execute(opened.db),
      opened.db.insertInto('idempotency_keys').values(key('group-1')).execute(),
    ];
    const grouped = await Promise.allSettled([busy, ...group]);
    for (const outcome of grouped) {
      if (outcome.status === 'rejected') assert.ok(byTrigger(outcome.reason), String(outcome.reason));
    }
    // group-0 shared the rolled-back transaction (it queued behind the long statement with the others).
    assert.equal(grouped[1]!.status, 'rejected');
    assert.equal(grouped[2]!.status, 'rejected');
    const committed = ['group-0', 'group-1'].filter(
      (_, index) => grouped[1 + index * 2]!.status === 'fulfilled',
    );
    assert.deepEqual(await keys('group-'), committed);

    // In a transaction on the main thread, while writes on their own queue on the thread: the transaction
    // fails with the cause, a statement it runs after catching that fails too, nothing of it is committed,
    // and the queued writes are.
    const busyAgain = counting.execute(opened.db);
    const queued = Array.from({ length: 5 }, (_, index) =>
      opened.db
        .insertInto('idempotency_keys')
        .values(key(`queued-${index}`))
        .execute(),
    );
    let afterwards: unknown;
    const transaction = opened.db.transaction().execute(async (trx) => {
      await trx.insertInto('idempotency_keys').values(key('transaction-0')).execute();
      await sql`insert into rolls_back values (1)`.execute(trx).catch(() => undefined);
      afterwards = await trx
        .insertInto('idempotency_keys')
        .values(key('transaction-1'))
        .execute()
        .catch((error: Error & { code?: string }) => error.code);
    });
    // Its COMMIT finds nothing to commit: it fails rather than report the writes as committed.
    await assert.rejects(transaction, (error: Error & { code?: string }) => error.code === 'SQLITE_ABORT');
    await Promise.all([busyAgain, ...queued]);
    assert.equal(afterwards, 'SQLITE_ABORT');
    assert.deepEqual(await keys('transaction-'), []);
    assert.deepEqual(await keys('queued-'), ['queued-0', 'queued-1', 'queued-2', 'queued-3', 'queued-4']);
    await opened.db.deleteFrom('idempotency_keys').execute();
  });

  test("a write's failure carries SQLite's code (a unique violation is one), and a failed transaction leaves nothing", async () => {
    const taken = key('thread-key');
    await opened.db.insertInto('idempotency_keys').values(taken).execute();
    await assert.rejects(
      () => opened.db.insertInto('idempotency_keys').values(taken).execute(),
      (error: Error & { code?: string }) => isUniqueViolation(error) && /UNIQUE/.test(error.message),
    );
    await assert.rejects(() =>
      opened.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('idempotency_keys')
          .values({ ...taken, key: 'rolled-back' })
          .execute();
        await trx.insertInto('idempotency_keys').values(taken).execute();
      }),
    );
    const kept = await opened.db.selectFrom('idempotency_keys').select('key').execute();
    assert.deepEqual(kept, [{ key: 'thread-key' }]);
    const changed = await opened.db
      .updateTable('idempotency_keys')
      .set({ request_hash: 'y' })
      .where('key', '=', 'thread-key')
      .executeTakeFirst();
    assert.equal(changed.numUpdatedRows, 1n);
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
