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
import type { Database } from './schema';

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

export function createSqliteDatabase(file: string): Kysely<Database> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  // exec, not pragma(): pragma() prepares a Statement that would become garbage (see closedButReferenced).
  sqlite.exec(
    [
      // Another process may hold the write lock for a moment: wait for it rather than fail.
      'pragma busy_timeout = 5000',
      'pragma journal_mode = WAL',
      // FULL: a write that was answered 2xx survives a power cut, not only a killed process.
      'pragma synchronous = FULL',
      'pragma foreign_keys = ON',
    ].join(';'),
  );
  // SQLite's lower() folds ASCII only; PostgreSQL's folds all of Unicode. Make text search `q` agree.
  sqlite.function('lower', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  return new Kysely<Database>({ dialect: new ImmediateSqliteDialect(new PreparedStatementCache(sqlite)) });
}
