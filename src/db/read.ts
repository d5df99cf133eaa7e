import type { CompiledQuery } from 'kysely';

/** A select query as Kysely builds it: compiled, or executed by Kysely itself. */
export interface ReadQuery<Row> {
  compile(): CompiledQuery<Row>;
  execute(): Promise<Row[]>;
}

/**
 * How a repository runs a read outside a transaction: on SQLite synchronously on the read connection (see
 * src/db/sqlite.ts), on PostgreSQL through Kysely and the pool. Inside a transaction, through the
 * transaction, which must see its own writes.
 */
export type Read = <Row>(query: ReadQuery<Row>) => Row[] | Promise<Row[]>;

export const throughKysely: Read = (query) => query.execute();
