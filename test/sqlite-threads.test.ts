import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import workerThreads from 'node:worker_threads';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database';
import { isUniqueViolation, outcomeOf } from '../src/db/errors';
import { sqliteThread } from '../src/db/sqlite-thread';

/**
 * SQLite's writes, reads and long reads (a search's statements) run on worker threads, each with its own
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
  /** Inserts the idempotency key `name`: on the write thread, or in `db` when that is a transaction. */
  const insertKey = (name: string, db: typeof opened.db = opened.db) =>
    db.insertInto('idempotency_keys').values(key(name)).execute();
  /**
   * Sends the long statement to the write thread, then `writes`: sent while the thread runs it, they queue up
   * behind it and reach the thread together. Their promises, in order, after the long statement's.
   */
  async function queuedBehindLongStatement(writes: () => Promise<unknown>[], db = opened.db) {
    // A thread that has started (its database open) takes the long statement up at once; the writes wait
    // until it surely has, so that none of them reaches the thread in the same batch as the long statement.
    await sql`select 1`.execute(db);
    const long = counting.execute(db);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return [long, ...writes()];
  }

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

  /** Waits, a millisecond at a time, until `condition` holds: 2 s at most, then fails with `what`. */
  async function until(what: string, condition: () => boolean) {
    const deadline = performance.now() + 2_000;
    while (!condition()) {
      assert.ok(performance.now() < deadline, `${what}: not within 2 s`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * `promise`, or a failure naming `what` if it has not settled in 2 s: a wait without end fails here. (A wait
   * that is only a promise, Atomics.waitAsync's, does not keep the process alive: this timer does, so that
   * the failure is this one.)
   */
  async function inTime<T>(what: string, promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within 2 s`)), 2_000);
    });
    try {
      return await Promise.race([promise, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Who holds the write lock ([0] of it), as src/db/sqlite.ts names them. */
  const LOCK_THREAD = 1;
  const LOCK_MAIN = 2;

  test('a long read does not hold the event loop', async () => {
    let rows: { total: number }[] = [];
    const timing = await timersDuring(async () => (rows = await longRead(counting)));
    assert.deepEqual(rows, [{ total: 3_000_000 }]);
    assertLoopFree('long-read thread', timing);
  });

  /** A read outside a transaction (a post, a page), as repositories run one: on the read thread. */
  const read = <Row>(query: ReturnType<typeof sql<Row>>) =>
    opened.read({
      compile: () => query.compile(opened.db),
      execute: () => Promise.reject(new Error('unused')),
    });

  test('nor does a read, and a read never waits behind a long one', async () => {
    let rows: { total: number }[] = [];
    const timing = await timersDuring(async () => (rows = await read(counting)));
    assert.deepEqual(rows, [{ total: 3_000_000 }]);
    assertLoopFree('read', timing);

    const started = performance.now();
    const long = timedRead(counting);
    const [row] = await read(sql<{ one: number }>`select 1 as one`);
    const shortWall = performance.now() - started;
    const { ms } = await long;
    console.info(
      `[read] a read answered in ${shortWall.toFixed(1)} ms while a ${ms.toFixed(0)} ms long read ran`,
    );
    assert.deepEqual(row, { one: 1 });
    assert.ok(ms > 100, `the long read took only ${ms.toFixed(0)} ms: too short to show anything`);
    assert.ok(
      shortWall < ms / 2,
      `the read waited ${shortWall.toFixed(0)} ms of a ${ms.toFixed(0)} ms long read`,
    );
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
          await insertKey('after-the-other', trx);
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
    await insertKey('taken');
    // An empty log: what it holds afterwards is what these writes appended.
    assert.equal((observer.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[])[0]!.busy, 0);
    // While the thread runs a long statement, 40 inserts queue up behind it, one of them refused.
    const outcomes = await Promise.allSettled(
      await queuedBehindLongStatement(() =>
        Array.from({ length: 40 }, (_, index) => insertKey(index === 17 ? 'taken' : `together-${index}`)),
      ),
    );
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

  test('statements sent together stand or fall together, alone or queued with other writes', async () => {
    const insertQuery = (name: string) => ({
      compile: () => opened.db.insertInto('idempotency_keys').values(key(name)).returning('key').compile(),
      execute: () => Promise.reject(new Error('unused')),
    });
    const keysLike = async (pattern: string) =>
      (await opened.db.selectFrom('idempotency_keys').select('key').where('key', 'like', pattern).execute())
        .map((row) => row.key)
        .sort();
    await insertKey('unit-taken');
    // Alone: the second statement fails, and the first is undone with it.
    await assert.rejects(
      opened.together(insertQuery('unit-a1'), insertQuery('unit-taken')),
      isUniqueViolation,
    );
    assert.deepEqual(await keysLike('unit-a%'), []);
    // Both kept, each one's rows answered in order.
    assert.deepEqual(await opened.together(insertQuery('unit-a2'), insertQuery('unit-a3')), [
      [{ key: 'unit-a2' }],
      [{ key: 'unit-a3' }],
    ]);
    // Queued behind a long statement with single writes, which share their commit: the unit that fails
    // leaves nothing, the others stay.
    const outcomes = await Promise.allSettled(
      await queuedBehindLongStatement(() => [
        insertKey('unit-b1'),
        opened.together(insertQuery('unit-b2'), insertQuery('unit-taken')),
        opened.together(insertQuery('unit-b3'), insertQuery('unit-b4')),
        insertKey('unit-b5'),
      ]),
    );
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
    );
    assert.deepEqual(await keysLike('unit-b%'), ['unit-b1', 'unit-b3', 'unit-b4', 'unit-b5']);
    await opened.db.deleteFrom('idempotency_keys').execute();
  });

  test('a transaction takes in no write sent on its own, before it or while it is open: those stay when it rolls back', async () => {
    const before = await queuedBehindLongStatement(() =>
      Array.from({ length: 40 }, (_, index) => insertKey(`before-${index}`)),
    );
    let during: Promise<unknown>[] = [];
    const rolledBack = opened.db.transaction().execute(async (trx) => {
      await insertKey('in-transaction', trx);
      // Others write while the transaction waits for something else.
      during = Array.from({ length: 10 }, (_, index) => insertKey(`during-${index}`));
      await new Promise((resolve) => setTimeout(resolve, 20));
      throw new Error('rolled back on purpose');
    });
    await assert.rejects(rolledBack, /rolled back on purpose/);
    await Promise.all([...before, ...during]);
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
    const grouped = await Promise.allSettled(
      await queuedBehindLongStatement(() => [
        insertKey('group-0'),
        sql`insert into rolls_back values (1)`.execute(opened.db),
        insertKey('group-1'),
      ]),
    );
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
    const queued = await queuedBehindLongStatement(() =>
      Array.from({ length: 5 }, (_, index) => insertKey(`queued-${index}`)),
    );
    let afterwards: unknown;
    const transaction = opened.db.transaction().execute(async (trx) => {
      await insertKey('transaction-0', trx);
      await sql`insert into rolls_back values (1)`.execute(trx).catch(() => undefined);
      afterwards = await insertKey('transaction-1', trx).catch(
        (error: Error & { code?: string }) => error.code,
      );
    });
    // Its COMMIT finds nothing to commit: it fails rather than report the writes as committed.
    await assert.rejects(transaction, (error: Error & { code?: string }) => error.code === 'SQLITE_ABORT');
    await Promise.all(queued);
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
      `[long-read thread] the long statement reported ${long.ms.toFixed(0)} ms; the short one behind it ` +
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
    const query = sql<{ title: string }>`select title from posts where author = ${'tester'}`;
    assert.deepEqual(await longRead(query), [{ title: 'Seen' }]);
    assert.deepEqual(await read(query), [{ title: 'Seen' }]);
  });

  test('rows keep their right names after another connection changes the table', async () => {
    const other = new Database(file);
    keptUntilExit.push(other);
    other.exec("create table reshaped (a, b, c); insert into reshaped values (1, 'B', 'C')");
    const everything = sql<Record<string, unknown>>`select * from reshaped`;
    const returning = sql<Record<string, unknown>>`update reshaped set a = a + 1 returning *`;
    assert.deepEqual(await read(everything), [{ a: 1, b: 'B', c: 'C' }]);
    assert.deepEqual(await longRead(everything), [{ a: 1, b: 'B', c: 'C' }]);
    assert.deepEqual((await returning.execute(opened.db)).rows, [{ a: 2, b: 'B', c: 'C' }]);
    other.exec('alter table reshaped drop column b');
    assert.deepEqual(await read(everything), [{ a: 2, c: 'C' }]);
    assert.deepEqual(await longRead(everything), [{ a: 2, c: 'C' }]);
    assert.deepEqual((await returning.execute(opened.db)).rows, [{ a: 3, c: 'C' }]);
    other.exec('drop table reshaped');
    other.close();
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

  // A thread's end, at its start or in the middle of a statement. What goes wrong there is most often a wait
  // without end: every wait in these tests is bounded (until, inTime).

  test('a thread that fails at its start fails the statements sent to it with its code (busy: a 503), leaves the write lock to its holder, and the next statement starts another', async (t) => {
    // Another process holds the database (a rollback journal, its exclusive lock): the new thread's switch
    // to WAL cannot read it. With busy_timeout 0, the SQLITE_BUSY of a thread that waited its 5 s, at once.
    const lockedFile = path.join(directory, 'locked.db');
    const other = new Database(lockedFile);
    keptUntilExit.push(other);
    other.exec('create table t (x); begin exclusive');
    const reported = t.mock.method(console, 'error', () => undefined);
    // A transaction on the main thread holds the write lock meanwhile: the thread never had it, so its end
    // must not free it.
    const writeLock = new Int32Array(new SharedArrayBuffer(8));
    Atomics.store(writeLock, 0, LOCK_MAIN);
    const thread = sqliteThread(lockedFile, {
      readonly: false,
      pragmas: ['busy_timeout = 0', 'journal_mode = WAL'],
      groupCommit: true,
      writeLock,
    });
    t.after(() => inTime('closing the thread', thread.close()));
    const outcomes = await inTime(
      'the statements sent to the failed thread',
      Promise.allSettled([
        thread.run('insert into t values (1)', []),
        thread.run('select count(*) as n from t', []),
      ]),
    );
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      const error = (outcome as PromiseRejectedResult).reason as Error & { code?: string };
      assert.match(error.message, /the SQLite thread exited/);
      assert.equal(error.code, 'SQLITE_BUSY');
      // SQLite's own message, for the log: better-sqlite3's error class loses it on the way out of a thread.
      assert.match(String((error.cause as Error | undefined)?.message), /database is locked/);
      assert.equal(outcomeOf(error)?.outcome, 'unavailable');
    }
    assert.equal(reported.mock.callCount(), 1, 'the failure is reported once');
    assert.equal(Atomics.load(writeLock, 0), LOCK_MAIN, "the thread's end took the main thread's write lock");

    // Once the others let go, the next statement starts a new thread, which runs it.
    other.exec('commit');
    Atomics.store(writeLock, 0, 0);
    const { rows } = await inTime('the next statement', thread.run('select count(*) as n from t', []));
    assert.deepEqual(rows, [{ n: 0 }]);
  });

  test('a parameter that cannot be sent to the thread fails its statement alone, and the thread still closes', async () => {
    const thread = sqliteThread(path.join(directory, 'uncloneable.db'), {
      readonly: false,
      pragmas: [],
      groupCommit: false,
    });
    await thread.run('create table t (x)', []);
    await assert.rejects(thread.run('insert into t values (?)', [() => 1]), { name: 'DataCloneError' });
    const { rows } = await thread.run('select count(*) as n from t', []);
    assert.deepEqual(rows, [{ n: 0 }]);
    // Nothing is left waiting for an answer that will never come: closing does not wait for it.
    await inTime('closing the thread', thread.close());
  });

  test('a write thread ended mid-statement fails what it held; a transaction waiting for the write lock goes on, and the next write starts another thread', async (t) => {
    // The threads the code starts, recorded (sqlite-thread.ts takes Worker from node:worker_threads for
    // each): the test ends one as a fatal error in it would. A database of its own, so that its write
    // thread starts while they are recorded.
    const started = t.mock.method(workerThreads, 'Worker');
    const ended = await openDatabase({
      kind: 'sqlite',
      file: path.join(directory, 'ended.db'),
      synchronous: 'normal',
    });
    t.after(() => inTime('closing the database', ended.destroy()));
    const held = await queuedBehindLongStatement(
      () => Array.from({ length: 5 }, (_, index) => insertKey(`held-${index}`, ended.db)),
      ended.db,
    );
    // Its migrations ran in a transaction on the main thread: the statements above start the write thread.
    await until('the write thread starts', () => started.mock.callCount() > 0);
    const { result: writeThread, arguments: startedWith } = started.mock.calls.at(-1)!;
    const writeLock = (startedWith[1]?.workerData as { writeLock: Int32Array }).writeLock;
    await until('the thread takes the write lock', () => Atomics.load(writeLock, 0) === LOCK_THREAD);
    const transaction = ended.db.transaction().execute((trx) => insertKey('in-transaction', trx));
    await until('the transaction waits for the lock', () => Atomics.load(writeLock, 1) === 1);

    await writeThread!.terminate();
    const outcomes = await inTime('the statements the thread held', Promise.allSettled(held));
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      const { reason } = outcome as PromiseRejectedResult;
      assert.match(reason.message, /the SQLite thread exited \(code 1\)/);
      // Whether it was committed is unknown: the database was unavailable to it (a 503), not a fault of ours.
      assert.equal(outcomeOf(reason)?.outcome, 'unavailable');
    }
    // Woken by the thread's end, not by its 5 s deadline (SQLITE_BUSY then).
    await inTime('the transaction waiting for the write lock', transaction);

    // The next write on its own starts a new thread. Of the ended one's group, cut short before its
    // commit, nothing was written.
    const threads = started.mock.callCount();
    await inTime('the next write', insertKey('after-the-end', ended.db));
    assert.equal(started.mock.callCount(), threads + 1);
    const kept = await ended.db.selectFrom('idempotency_keys').select('key').orderBy('key').execute();
    assert.deepEqual(
      kept.map(({ key }) => key),
      ['after-the-end', 'in-transaction'],
    );
  });
});
