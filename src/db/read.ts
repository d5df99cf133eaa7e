import type { CompiledQuery } from 'kysely';

/** A select query as Kysely builds it: compiled, or executed by Kysely itself. */
export interface ReadQuery<Row> {
  compile(): CompiledQuery<Row>;
  execute(): Promise<Row[]>;
}

/**
 * How a repository runs a read outside a transaction: on SQLite on the read thread's connection (see
 * src/db/sqlite.ts), on PostgreSQL through Kysely and the pool. Inside a transaction, through the
 * transaction, which must see its own writes.
 */
export type Read = <Row>(query: ReadQuery<Row>) => Promise<Row[]>;

export const throughKysely: Read = (query) => query.execute();

/**
 * A read that may take milliseconds, with how long its statement ran: on SQLite's long-read thread, where it may
 * wait behind other statements, that wait not included. A search sizes its next statement by it.
 */
export type LongRead = <Row>(query: ReadQuery<Row>) => Promise<TimedRows<Row>>;

export interface TimedRows<Row> {
  rows: Row[];
  /** How long the statement ran, in milliseconds. */
  ms: number;
}

export const timed =
  (read: Read): LongRead =>
  async (query) => {
    const started = performance.now();
    const rows = await read(query);
    return { rows, ms: performance.now() - started };
  };
