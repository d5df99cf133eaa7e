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
import { sqliteThread, type SqliteThread } from './sqlite-thread';
import { tableIn, type Database } from './schema';

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

type RowReader = (parameters: readonly unknown[]) => Record<string, unknown>[];

/**
 * A statement's rows as objects, as `all()` gives them, made in JavaScript from the rows as arrays: for a page
 * of posts, better-sqlite3's own objects (a property set through the V8 API per column) cost about a third
 * of the read. The object literal is generated once per statement, so every row gets the same shape.
 */
function rowReaderFor(statement: BetterSqlite3.Statement): RowReader {
  statement.raw(true);
  const fields = statement
    .columns()
    .map((column, index) => `${JSON.stringify(column.name)}: row[${index}]`)
    .join(', ');
  const toObject = new Function('row', `return { ${fields} };`) as (
    row: unknown[],
  ) => Record<string, unknown>;
  return (parameters) => (statement.all(...parameters) as unknown[][]).map(toObject);
}

/** A statement that opens a transaction, and one that ends it (not `rollback to` a savepoint). */
const BEGINS = /^\s*begin\b/i;

/** A Kysely connection on the write thread: each use of the database (a query, a transaction) gets one. */
class ThreadConnection implements DatabaseConnection {
  constructor(private readonly driver: ThreadSqliteDriver) {}

  executeQuery<Row>(query: CompiledQuery): Promise<QueryResult<Row>> {
    return this.driver.execute(this, query);
  }

  async *streamQuery(): AsyncIterableIterator<QueryResult<never>> {
    throw new Error('Streaming is not supported on SQLite here');
  }
}

/**
 * Kysely's SQLite driver, on the write thread's one connection. A connection that opens a transaction holds
 * it: the others' statements wait until that transaction has ended, so nothing runs inside it that is not
 * its own. Statements outside any transaction are sent at once, without waiting for each other's answers,
 * so that those that arrive together can share one commit (group commit, see sqlite-thread.ts). Transactions
 * take the write lock up front (BEGIN IMMEDIATE).
 */
class ThreadSqliteDriver implements Driver {
  private open: { holder: ThreadConnection; ended: Promise<void>; end(): void } | undefined;

  constructor(private readonly thread: SqliteThread) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    return new ThreadConnection(this);
  }

  async execute<Row>(
    connection: ThreadConnection,
    { sql, parameters }: CompiledQuery,
  ): Promise<QueryResult<Row>> {
    while (this.open && this.open.holder !== connection) await this.open.ended;
    if (!this.open && BEGINS.test(sql)) {
      let end = () => {};
      const ended = new Promise<void>((resolve) => (end = resolve));
      this.open = { holder: connection, ended, end };
    }
    const holding = this.open?.holder === connection;
    const settled = (inTransaction: boolean) => {
      // The thread says when the transaction is over, whichever statement ended it (a COMMIT, a ROLLBACK, a
      // failed BEGIN, an error that rolled it back).
      if (holding && !inTransaction && this.open?.holder === connection) {
        this.open.end();
        this.open = undefined;
      }
    };
    try {
      const { rows, changes, lastInsertRowid, inTransaction } = await this.thread.run(
        sql,
        parameters,
        !holding,
      );
      settled(inTransaction);
      return {
        rows: rows as Row[],
        numAffectedRows: changes === undefined ? undefined : BigInt(changes),
        insertId: lastInsertRowid === undefined ? undefined : BigInt(lastInsertRowid),
      };
    } catch (error) {
      settled((error as { inTransaction?: boolean }).inTransaction ?? false);
      throw error;
    }
  }

  async releaseConnection(): Promise<void> {}

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    await this.thread.close();
  }
}

class ThreadSqliteDialect implements Dialect {
  constructor(private readonly thread: SqliteThread) {}
  createDriver(): Driver {
    return new ThreadSqliteDriver(this.thread);
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
 * The database on `file`. Kysely runs every write and every transaction, one at a time, on a worker thread's
 * connection: better-sqlite3 is synchronous, and an insert with its search index (and, with `full`, the
 * disk flush of its commit) would otherwise hold every other request on the event loop. `read`, for single
 * reads outside transactions, runs synchronously on a read-only connection of the main thread: in WAL mode it
 * sees only committed data and never waits for the writer, and a read costs one call instead of a round trip.
 * `longRead`, for the statements that may take milliseconds (a search's), runs them on a second worker thread.
 */
export function createSqliteDatabase(file: string, synchronous: SqliteSynchronous) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // The file is created, and in WAL mode, before the read-only connections open it.
  const setup = new BetterSqlite3(file);
  setup.exec('pragma journal_mode = WAL');
  setup.close();
  closedButReferenced.push(setup);
  const writeThread = sqliteThread(file, {
    readonly: false,
    pragmas: [
      // Another process may hold the write lock for a moment: wait for it rather than fail.
      'busy_timeout = 5000',
      'journal_mode = WAL',
      // NORMAL: a commit is in the WAL before the 2xx, so it survives the process being killed; an OS crash
      // or power cut may lose the last commits (never the database's consistency). FULL: also those, at the
      // cost of a disk flush per commit.
      `synchronous = ${synchronous.toUpperCase()}`,
      'foreign_keys = ON',
    ],
  });
  const reader = new BetterSqlite3(file, { readonly: true });
  configure(reader, ['busy_timeout = 5000']);
  const readStatements = new PreparedStatementCache(reader);
  const db = new Kysely<Database>({ dialect: new ThreadSqliteDialect(writeThread) });
  const rowReaders = new Map<string, RowReader>();
  const read: Read = (query) => {
    const { sql, parameters } = query.compile();
    let rowReader = rowReaders.get(sql);
    if (!rowReader) {
      rowReader = rowReaderFor(readStatements.prepare(sql) as BetterSqlite3.Statement);
      rowReaders.set(sql, rowReader);
    }
    return rowReader(parameters) as never;
  };
  const readThread = sqliteThread(file, { readonly: true, pragmas: ['busy_timeout = 5000'] });
  const longRead: LongRead = async (query) => {
    const { sql, parameters } = query.compile();
    const { rows, ms } = await readThread.run(sql, parameters);
    return { rows: rows as never[], ms };
  };
  return {
    db,
    read,
    longRead,
    table: (name: string) => tableIn(undefined, name),
    async destroy() {
      await readThread.close();
      await db.destroy();
      readStatements.close();
    },
  };
}
