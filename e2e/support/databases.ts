import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** Whether this run of the suite is on PostgreSQL (E2E_DATABASE_URL=postgres://…). */
export const onPostgres = Boolean(process.env.E2E_DATABASE_URL?.startsWith('postgres'));

export interface IsolatedDatabase {
  url: string;
  /** Removes the SQLite directory or drops the PostgreSQL schema. */
  dispose(): Promise<void>;
}

/**
 * A database of a test's own, on the same backend as the suite: a new SQLite file, or a new schema in the
 * suite's PostgreSQL database. Servers started with its URL see nothing of other tests' data.
 */
export function isolatedDatabase(label: string): IsolatedDatabase {
  if (onPostgres) {
    const schema = `${label}_${process.pid}_${Date.now()}`;
    const base = new URL(process.env.E2E_DATABASE_URL as string);
    base.searchParams.delete('schema');
    const url = new URL(base);
    url.searchParams.set('schema', schema);
    return {
      url: url.toString(),
      async dispose() {
        const client = new pg.Client({ connectionString: base.toString() });
        await client.connect();
        await client.query(`drop schema if exists "${schema}" cascade`);
        await client.end();
      },
    };
  }
  const directory = mkdtempSync(path.join(tmpdir(), `${label}-`));
  return {
    url: `file:${path.join(directory, 'app.db')}`,
    dispose: async () => rmSync(directory, { recursive: true, force: true }),
  };
}
