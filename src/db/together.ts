import type { Kysely } from 'kysely';
import type { ReadQuery } from './read';
import type { Database } from './schema';

/** Each query's rows, in the order the queries were given. */
export type RowsOf<Queries extends readonly ReadQuery<unknown>[]> = {
  -readonly [Index in keyof Queries]: Queries[Index] extends ReadQuery<infer Row> ? Row[] : never;
};

/**
 * Statements that stand or fall together, run in order in one transaction, each with the values it was given:
 * what one of them depends on in another is said in its SQL, not decided in JavaScript between them. On
 * SQLite, one message to the write thread (see src/db/sqlite.ts), off the event loop and committed with the
 * writes queued with it; on PostgreSQL, a transaction of the pool; inside a transaction, in it.
 */
export type Together = <Queries extends readonly ReadQuery<unknown>[]>(
  ...queries: Queries
) => Promise<RowsOf<Queries>>;

/** Together through Kysely: in a transaction of `db`'s, or in `db` when it is one. */
export const togetherThrough =
  (db: Kysely<Database>): Together =>
  async (...queries) => {
    let failure: { error: unknown } | undefined;
    const run = async (transaction: Kysely<Database>) => {
      const rows: unknown[][] = [];
      try {
        for (const query of queries) rows.push((await transaction.executeQuery(query.compile())).rows);
      } catch (error) {
        failure = { error };
        throw error;
      }
      return rows as never;
    };
    if (db.isTransaction) return run(db);
    try {
      return await db.transaction().execute(run);
    } catch (error) {
      // A ROLLBACK on a connection that was lost fails too, and Kysely throws that instead: the error that
      // ended the unit is what happened (as in inTransaction).
      throw failure?.error ?? error;
    }
  };
