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
    const run = async (transaction: Kysely<Database>) => {
      const rows: unknown[][] = [];
      for (const query of queries) rows.push((await transaction.executeQuery(query.compile())).rows);
      return rows as never;
    };
    return db.isTransaction ? run(db) : transactionOf(db, run);
  };

/**
 * `work` in a transaction of `db`'s. If it fails, its error is the one thrown: a ROLLBACK on a connection that
 * was lost fails too, and Kysely would throw that instead, though the error that ended the transaction (the
 * lost connection, a 503) is what happened.
 */
export async function transactionOf<T>(
  db: Kysely<Database>,
  work: (transaction: Kysely<Database>) => Promise<T>,
): Promise<T> {
  let failure: { error: unknown } | undefined;
  try {
    return await db.transaction().execute(async (transaction) => {
      try {
        return await work(transaction);
      } catch (error) {
        failure = { error };
        throw error;
      }
    });
  } catch (error) {
    throw failure ? failure.error : error;
  }
}
