import type { Kysely, RawBuilder } from 'kysely';
import type { DatabaseConfig } from '../config';
import { unavailable } from '../errors';
import { migrate } from './migrate';
import { compiledQueries, type CompiledQueries } from './prepared';
import { throughKysely, timed, type LongRead, type Read } from './read';
import { togetherThrough, transactionOf, type Together } from './together';
import type { Database, DatabaseKind } from './schema';

/** What repositories run their queries with. */
export interface Queries {
  kind: DatabaseKind;
  /** Every write and every transaction. */
  db: Kysely<Database>;
  /** Reads outside transactions (see Read). */
  read: Read;
  /** Reads that may take milliseconds (a search's statements), timed: on SQLite, off the event loop. */
  longRead: LongRead;
  /** Statements that stand or fall together (see Together). */
  together: Together;
  /** A table in raw SQL, in the schema of `?schema=` (which the query builder adds by itself). */
  table(name: keyof Database): RawBuilder<unknown>;
  /** The queries compiled once for this database (see src/db/prepared.ts). */
  compiled: CompiledQueries;
}

export interface OpenDatabase extends Queries {
  destroy(): Promise<void>;
}

/** Opens a database and brings its schema up to date; `applied` lists the migrations this call ran. */
export async function openDatabase(settings: DatabaseConfig): Promise<OpenDatabase & { applied: string[] }> {
  // Drivers load here, not at import: `next build` imports route modules in worker processes.
  if (settings.kind === 'sqlite') {
    const opened = (await import('./sqlite')).createSqliteDatabase(settings.file, settings.synchronous);
    try {
      const applied = await migrate(opened.db, settings.kind);
      return { ...opened, kind: settings.kind, compiled: compiledQueries(), applied };
    } catch (error) {
      await opened.destroy();
      throw error;
    }
  }
  const { createPostgresDatabase } = await import('./postgres');
  // Migrations run on a connection of their own, without the requests' statement timeout: one that builds
  // an index over every post may run for minutes.
  const migrating = createPostgresDatabase({ ...settings, poolMax: 1, queryTimeoutMs: undefined });
  let applied: string[];
  try {
    applied = await migrate(migrating.db, settings.kind, settings.schema);
  } finally {
    await migrating.destroy();
  }
  return { ...createPostgresDatabase(settings), kind: settings.kind, compiled: compiledQueries(), applied };
}

interface ProcessDatabase {
  kind: DatabaseKind;
  opened?: OpenDatabase;
  /** The open in progress, so that a second start joins it. */
  opening?: Promise<void>;
  retry?: NodeJS.Timeout;
  failures: number;
}

// On globalThis: `next dev` reloads modules but must keep one database (pool) per process, and the
// production server (server.ts, outside the bundle) closes this same one on shutdown.
const holder = globalThis as typeof globalThis & { __serviceDatabase?: ProcessDatabase };

const MAX_RETRY_SECONDS = 10;

/**
 * Opens the process's database at start (instrumentation.ts). If it cannot be opened (a server that is down,
 * a directory that cannot be written), requests get `unavailable` (503) and it is tried again, every few
 * seconds, until it can: the service recovers by itself.
 */
export function startDatabase(settings: DatabaseConfig): Promise<void> {
  const state = (holder.__serviceDatabase ??= { kind: settings.kind, failures: 0 });
  state.opening ??= openDatabase(settings).then(
    ({ applied, ...opened }) => {
      state.opened = opened;
      state.failures = 0;
      if (applied.length) console.info(`[db] applied migrations: ${applied.join(', ')}`);
    },
    (error: unknown) => {
      state.failures += 1;
      const seconds = Math.min(MAX_RETRY_SECONDS, 2 ** (state.failures - 1));
      console.error(
        `[db] cannot open the ${settings.kind} database (${reason(error)}); retrying in ${seconds} s`,
      );
      state.retry = setTimeout(() => {
        state.opening = undefined;
        void startDatabase(settings);
      }, seconds * 1000).unref();
    },
  );
  return state.opening;
}

/** The process's database, for the repositories; `unavailable` until it has been opened and migrated. */
export function database(): Kysely<Database> {
  return opened().db;
}

/** The process's database, as repositories query it. */
export function queries(): Queries {
  return opened();
}

function opened(): OpenDatabase {
  const current = holder.__serviceDatabase?.opened;
  if (!current) throw unavailable();
  return current;
}

/** Closes the process's database (on shutdown): no new query starts; those in flight finish first. */
export async function closeDatabase(): Promise<void> {
  const state = holder.__serviceDatabase;
  if (!state) return;
  clearTimeout(state.retry);
  holder.__serviceDatabase = undefined;
  await state.opened?.destroy();
}

/** A driver error's own words, for the log: its message and code, never shown to a client. */
export function reason(error: unknown): string {
  if (error instanceof Error && error.cause !== undefined) return `${error.message} (${reason(error.cause)})`;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message || error.name : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Runs `work` in one transaction on the process's database (repositories are made on it inside). */
export async function inTransaction<T>(work: (trx: Queries) => Promise<T>): Promise<T> {
  const { kind, db, table, compiled } = opened();
  // Inside a transaction every read goes through it: it must see its own writes.
  return transactionOf(db, (trx) =>
    work({
      kind,
      db: trx,
      read: throughKysely,
      longRead: timed(throughKysely),
      together: togetherThrough(trx),
      table,
      compiled,
    }),
  );
}
