import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { throughKysely, timed } from './read';
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
}) {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // A server that stops answering (a network gone quiet rather than closed) is found by TCP keepalive
    // rather than never; the statement waiting on it fails then, as one that times out does.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    types,
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (error) => console.error('[db] idle PostgreSQL connection failed:', error.message));
  // A borrowed one emits it on itself (the pool listens only while a client is idle): the statement or
  // transaction using it fails with the error already, which becomes a 503.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // Tables named with their schema in every statement, rather than a session's search_path, which a
  // transaction-pooling PgBouncer does not keep from one transaction to the next.
  const scoped = options.schema ? db.withSchema(options.schema) : db;
  return {
    db: scoped,
    read: throughKysely,
    longRead: timed(throughKysely),
    table: (name: string) => tableIn(options.schema, name),
    destroy: () => scoped.destroy(),
  };
}
