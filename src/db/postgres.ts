import { Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { throughKysely, timed } from './read';
import { togetherThrough } from './together';
import { tableIn, type Database } from './schema';

const INT8_OID = 20;
const TIMESTAMPTZ_OID = 1184;
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID) as (value: string) => Date;

/** Ids and counts come back as numbers and timestamps as ISO strings, as they do from SQLite. */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    if (oid === TIMESTAMPTZ_OID) return (value: string) => parseTimestamptz(value).toISOString();
    return pg.types.getTypeParser(oid, format);
  },
};

export function createPostgresDatabase(options: {
  url: string;
  poolMax: number;
  schema: string | undefined;
  /** How long a statement waits for its answer; none for migrations, which may take minutes. */
  queryTimeoutMs: number | undefined;
}) {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A server that stops answering (a network gone quiet rather than closed): the statement waiting on it
    // fails after query_timeout, and the connection is then closed (see discardingTimedOut); TCP keepalive
    // finds the idle connections that lead nowhere.
    query_timeout: options.queryTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (error) => console.error('[db] idle PostgreSQL connection failed:', error.message));
  // A borrowed one emits it on itself (the pool listens only while a client is idle): the statement or
  // transaction using it fails with the error already, which becomes a 503.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: discardingTimedOut(pool) }) });
  // Tables named with their schema in every statement, rather than a session's search_path, which a
  // transaction-pooling PgBouncer does not keep from one transaction to the next.
  const scoped = options.schema ? db.withSchema(options.schema) : db;
  return {
    db: scoped,
    read: throughKysely,
    longRead: timed(throughKysely),
    together: togetherThrough(scoped),
    table: (name: string) => tableIn(options.schema, name),
    destroy: () => scoped.destroy(),
  };
}

/**
 * The pool as Kysely borrows from it, except that a connection one of whose statements timed out is closed when
 * it is given back rather than lent again: its answer may still come, and until it does, every statement sent
 * on that connection would wait behind it and time out in turn.
 */
function discardingTimedOut(pool: pg.Pool): PostgresPool {
  const lent = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const lend = (client: pg.PoolClient): PostgresPoolClient => {
    let timedOut = false;
    const query = async (text: string, parameters: readonly unknown[]) => {
      // Nor is anything more sent on it meanwhile (a transaction's ROLLBACK): it would only wait as long again.
      if (timedOut) throw new Error('Query read timeout earlier on this connection');
      try {
        return await client.query(text, parameters as unknown[]);
      } catch (error) {
        if (error instanceof Error && error.message === 'Query read timeout') timedOut = true;
        throw error;
      }
    };
    // Kysely's type also has the overload for a cursor, which this service never configures.
    return {
      query: query as unknown as PostgresPoolClient['query'],
      release: (destroy) => client.release(destroy || timedOut),
    };
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      let borrowed = lent.get(client);
      if (!borrowed) lent.set(client, (borrowed = lend(client)));
      return borrowed;
    },
    end: () => pool.end(),
  };
}
