import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';
import type { LongRead, Read } from './read';
import type { Together } from './together';
import { sqliteThread, type SqliteThread } from './sqlite-thread';
import { tableIn, type Database } from './schema';
import { within } from '../within';

/**
 * better-sqlite3 objects that must stay referenced until the process exits. Built against Node 24's headers,
 * better-sqlite3's Statement and Database (node::ObjectWrap) unregister an environment cleanup hook when they
 * are garbage-collected, and Node aborts the whole process when that collection happens outside a JavaScript
 * context, which it does after socket I/O (seen here: the unit tests on Node 24 abort at once when PostgreSQL
 * traffic shares the process; reported upstream as better-sqlite3 12 + Node 24 crashes). So none of them may
 * ever become garbage: statements are prepared once per SQL text and kept (which also saves a prepare per
 * query), and a closed database hands its objects to this list. The set of SQL texts is bounded: Kysely builds
 * them from a fixed set of queries (see MAX_IF_MATCH_TAGS for the one with a variable list).
 */
const closedButReferenced: unknown[] = [];

/** What Kysely's SQLite dialect calls: one prepared statement per distinct SQL text, reused. */
class PreparedStatementCache implements SqliteDatabase {
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  prepare(sql: string): SqliteStatement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.sqlite.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  close(): void {
    this.sqlite.close();
    closedButReferenced.push(this.sqlite, this.statements);
  }
}

/** A statement that opens a transaction, and one that rolls it (or to a savepoint in it) back. */
const BEGINS = /^\s*begin\b/i;
const ROLLS_BACK = /^\s*rollback\b/i;

/** The database stayed locked for too long: a 503 the client may retry (src/db/errors.ts). */
const busy = (message: string) => Object.assign(new Error(message), { code: 'SQLITE_BUSY' });

/** How long a transaction waits for the database's write lock (SQLite's busy timeout elsewhere). */
const BUSY_TIMEOUT_MS = 5_000;

/** Our SQLite writers in this process, as the shared write lock names them (see sqlite-thread.ts). */
const LOCK_FREE = 0;
const LOCK_THREAD = 1;
const LOCK_MAIN = 2;

/** A Kysely connection: each use of the database (a query, a transaction) gets one. */
class WriterConnection implements DatabaseConnection {
  constructor(private readonly driver: WritersDriver) {}

  executeQuery<Row>(query: CompiledQuery): Promise<QueryResult<Row>> {
    return this.driver.execute(this, query);
  }

  async *streamQuery(): AsyncIterableIterator<QueryResult<never>> {
    throw new Error('Streaming is not supported on SQLite here');
  }
}

/**
 * Kysely's SQLite driver with two writers. A statement on its own (an insert, an update) goes to the write
 * thread, off the event loop, where those that arrive together share a commit (sqlite-thread.ts). A
 * transaction runs on the main thread's write connection, each statement at once, as better-sqlite3 runs
 * them: were each statement a round trip to the thread, the transaction would hold SQLite's write lock for
 * that many turns of a busy event loop. The two take turns through a lock in shared memory, which a
 * transaction waits for without stopping the event loop, from its BEGIN until Kysely releases its
 * connection; the thread waits while a transaction holds it. One transaction at a time: the others wait for
 * it. Transactions take SQLite's write lock up front (BEGIN IMMEDIATE); while another process holds that, the
 * BEGIN is tried again after a pause, the event loop free meanwhile, rather than in SQLite's busy handler,
 * which sleeps.
 */
class WritersDriver implements Driver {
  private open: { holder: WriterConnection; ended: Promise<void>; end(): void } | undefined;

  constructor(
    private readonly thread: SqliteThread,
    private readonly writer: BetterSqlite3.Database,
    private readonly statements: PreparedStatementCache,
    private readonly writeLock: Int32Array,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new WriterConnection(this);
  }

  async execute<Row>(connection: WriterConnection, query: CompiledQuery): Promise<QueryResult<Row>> {
    if (this.open?.holder === connection) {
      if (this.writer.inTransaction) return this.here(query);
      // SQLite rolled the transaction back itself (a full disk, an I/O error) after a statement whose error
      // the caller has: rolling back is done, and nothing more may run (or commit) as if it were still open.
      if (ROLLS_BACK.test(query.sql)) return { rows: [] };
      throw Object.assign(new Error('The transaction was rolled back after an earlier error.'), {
        code: 'SQLITE_ABORT',
      });
    }
    if (!BEGINS.test(query.sql)) return this.onThread(query);
    // One wait in all, for the transactions before this one as for other processes: then 503.
    const deadline = performance.now() + BUSY_TIMEOUT_MS;
    while (this.open) {
      const left = Math.max(0, deadline - performance.now());
      // `ended` never rejects: a rejection is the deadline.
      const timedOut = await within(left, this.open.ended).then(
        () => false,
        () => true,
      );
      if (timedOut) throw busy('the transactions before this one did not end in time');
    }
    let end = () => {};
    const ended = new Promise<void>((resolve) => (end = resolve));
    this.open = { holder: connection, ended, end };
    try {
      return await this.begin<Row>(query, deadline);
    } catch (error) {
      // A BEGIN that failed opened nothing (Kysely's release of the connection then finds it no holder).
      this.endTransaction();
      throw error;
    }
  }

  /** BEGIN, once this process's write thread and every other process have let go of the database. */
  private async begin<Row>(query: CompiledQuery, deadline: number): Promise<QueryResult<Row>> {
    for (let pause = 1; ; pause = Math.min(pause * 2, 20)) {
      await this.takeWriteLock(deadline);
      try {
        return this.here(query);
      } catch (error) {
        const busy = (error as { code?: string }).code?.startsWith('SQLITE_BUSY');
        if (!busy || performance.now() + pause > deadline) throw error;
      }
      this.releaseWriteLock();
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private async onThread<Row>({ sql, parameters }: CompiledQuery): Promise<QueryResult<Row>> {
    const { rows, changes, lastInsertRowid } = await this.thread.run(sql, parameters);
    return {
      rows: rows as Row[],
      numAffectedRows: changes === undefined ? undefined : BigInt(changes),
      insertId: lastInsertRowid === undefined ? undefined : BigInt(lastInsertRowid),
    };
  }

  /** As Kysely's own SQLite connection runs a statement. */
  private here<Row>({ sql, parameters }: CompiledQuery): QueryResult<Row> {
    const statement = this.statements.prepare(sql) as BetterSqlite3.Statement;
    if (statement.reader) return { rows: statement.all(parameters) as Row[] };
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  /** Takes the lock from the write thread, asking it to wait while this waits its turn (see sqlite-thread.ts). */
  private async takeWriteLock(deadline: number): Promise<void> {
    Atomics.store(this.writeLock, 1, 1);
    try {
      while (Atomics.compareExchange(this.writeLock, 0, LOCK_FREE, LOCK_MAIN) !== LOCK_FREE) {
        const left = deadline - performance.now();
        if (left <= 0) throw busy('the SQLite write thread did not let go of the database');
        const { async, value } = Atomics.waitAsync(this.writeLock, 0, LOCK_THREAD, left);
        if (async) await value;
      }
    } finally {
      Atomics.store(this.writeLock, 1, 0);
      Atomics.notify(this.writeLock, 1);
    }
  }

  private releaseWriteLock(): void {
    if (Atomics.compareExchange(this.writeLock, 0, LOCK_MAIN, LOCK_FREE) === LOCK_MAIN) {
      Atomics.notify(this.writeLock, 0);
    }
  }

  private endTransaction(): void {
    this.releaseWriteLock();
    this.open?.end();
    this.open = undefined;
  }

  /**
   * The end of a transaction (or of `db.connection()`): the connection gives up the main thread's writer. A
   * transaction still open then (a COMMIT or ROLLBACK that failed) is rolled back, so that it cannot hold
   * the database.
   */
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (this.open?.holder !== connection) return;
    try {
      if (this.writer.inTransaction) this.writer.exec('rollback');
    } finally {
      this.endTransaction();
    }
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  /** Nothing to do when SQLite has rolled the transaction back itself (a full disk, an I/O error). */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.writer.inTransaction) await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await this.thread.close();
    this.statements.close();
  }
}

class WritersDialect implements Dialect {
  constructor(private readonly createWritersDriver: () => Driver) {}
  createDriver(): Driver {
    return this.createWritersDriver();
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kysely's own signature
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

/** How SQLite makes a commit durable (see README "What a 2xx promises"). */
export type SqliteSynchronous = 'normal' | 'full';

function configure(sqlite: BetterSqlite3.Database, pragmas: string[]): void {
  // exec, not pragma(): pragma() prepares a Statement that would become garbage (see closedButReferenced).
  sqlite.exec(pragmas.map((pragma) => `pragma ${pragma}`).join(';'));
  // SQLite's lower() folds ASCII only; PostgreSQL's folds all of Unicode. Make text search `q` agree.
  sqlite.function('lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
}

/**
 * The database on `file`. Writes go through Kysely (`db`): each statement on its own on a worker thread's
 * connection, off the event loop (an insert with its search index, and with `full` the disk flush of its
 * commit), transactions on the main thread's write connection (see WritersDriver). `together`, statements
 * that stand or fall together, goes to the write thread as one message. `read`, for single reads
 * outside transactions (a post, a page), runs on a read-only connection on a thread of its own: in WAL mode
 * it sees every commit made before it and never waits for a writer. On the main thread the same statement is
 * the cheaper call in a loop, but between two requests the rest of the server pushes SQLite out of the CPU's
 * caches: a page of 20 posts took 83 µs there under load, 33 µs when run twice in a row, and 30 µs on the
 * thread, whose caches only SQLite uses (GET /api/posts served 1.17–1.32× the requests, at less CPU each).
 * `longRead`, for the statements that may take milliseconds (a search's), runs them on a third thread, so that
 * a page never waits behind a search.
 */
export function createSqliteDatabase(file: string, synchronous: SqliteSynchronous) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const writePragmas = [
    // Another process may hold the write lock for a moment: wait for it rather than fail.
    'busy_timeout = 5000',
    'journal_mode = WAL',
    // NORMAL: a commit is in the WAL before the 2xx, so it survives the process being killed; an OS crash or
    // power cut may lose the last commits (never the database's consistency). FULL: also those, at the cost
    // of an fsync per commit (shared by the writes that arrive together).
    `synchronous = ${synchronous.toUpperCase()}`,
    'foreign_keys = ON',
  ];
  // Opened first: it creates the file, in WAL mode, before the read-only connections open it.
  const writer = new BetterSqlite3(file);
  configure(writer, writePragmas);
  // Past the start, its transactions wait for other processes' write locks themselves (WritersDriver.begin).
  writer.exec('pragma busy_timeout = 0');
  const writeLock = new Int32Array(new SharedArrayBuffer(8));
  const writeThread = sqliteThread(file, {
    readonly: false,
    pragmas: writePragmas,
    groupCommit: true,
    writeLock,
  });
  const db = new Kysely<Database>({
    dialect: new WritersDialect(
      () => new WritersDriver(writeThread, writer, new PreparedStatementCache(writer), writeLock),
    ),
  });
  const readOnlyThread = () => sqliteThread(file, { readonly: true, pragmas: ['busy_timeout = 5000'] });
  const readThread = readOnlyThread();
  const read: Read = async (query) => {
    const { sql, parameters } = query.compile();
    return (await readThread.run(sql, parameters)).rows as never;
  };
  // Reads that may take milliseconds have a thread of their own, so that a page or a post never waits
  // behind a search.
  const longReadThread = readOnlyThread();
  const longRead: LongRead = async (query) => {
    const { sql, parameters } = query.compile();
    const { rows, ms } = await longReadThread.run(sql, parameters);
    return { rows: rows as never[], ms };
  };
  const together: Together = async (...queries) => {
    // Only the SQL and its values go to the thread: a compiled query also holds Kysely's tree of it.
    const statements = queries.map((query) => {
      const { sql, parameters } = query.compile();
      return { sql, parameters };
    });
    return (await writeThread.runTogether(statements)).map(({ rows }) => rows) as never;
  };
  return {
    db,
    read,
    longRead,
    together,
    table: (name: string) => tableIn(undefined, name),
    async destroy() {
      await Promise.all([readThread.close(), longReadThread.close()]);
      await db.destroy();
    },
  };
}
