import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type SqliteDatabase,
  type SqliteStatement,
} from 'kysely';
import type { Read } from './read';
import { sqliteReadThread } from './sqlite-read-thread';
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

/** Kysely's SQLite driver opens transactions with a plain BEGIN; ours take the write lock up front. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly database: SqliteDatabase) {
    super({ database });
  }
  override createDriver() {
    return new ImmediateSqliteDriver({ database: this.database });
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
 * The database on `file`: Kysely on the connection that writes (every write and every transaction, one at a
 * time), and `read` for single reads outside transactions, run synchronously on a second, read-only
 * connection. In WAL mode that one sees only committed data and never waits for a writer, and a read costs
 * one call instead of Kysely's chain of promises. `longRead`, for the statements that may take milliseconds,
 * runs them on a worker thread (see sqliteReadThread).
 */
export function createSqliteDatabase(file: string, synchronous: SqliteSynchronous) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const writer = new BetterSqlite3(file);
  configure(writer, [
    // Another process may hold the write lock for a moment: wait for it rather than fail.
    'busy_timeout = 5000',
    'journal_mode = WAL',
    // NORMAL: a commit is in the WAL before the 2xx, so it survives the process being killed; an OS crash or
    // power cut may lose the last commits (never the database's consistency). FULL: also those, at the cost
    // of an fsync per commit.
    `synchronous = ${synchronous.toUpperCase()}`,
    'foreign_keys = ON',
  ]);
  const reader = new BetterSqlite3(file, { readonly: true });
  configure(reader, ['busy_timeout = 5000']);
  const readStatements = new PreparedStatementCache(reader);
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect(new PreparedStatementCache(writer)),
  });
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
  const readThread = sqliteReadThread(file);
  return {
    db,
    read,
    longRead: readThread.read,
    table: (name: string) => tableIn(undefined, name),
    async destroy() {
      await readThread.close();
      await db.destroy();
      readStatements.close();
    },
  };
}
