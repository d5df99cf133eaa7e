import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config';
import { closeDatabase, database, startDatabase } from '../../src/db/database';

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database (a new SQLite file, or a new PostgreSQL schema). */
  settings(): DatabaseConfig;
  cleanup(): Promise<void>;
}

function sqliteBackend(): TestBackend {
  const directory = mkdtempSync(path.join(tmpdir(), 'posts-test-'));
  return {
    name: 'sqlite',
    settings: () => ({
      kind: 'sqlite',
      file: path.join(directory, `${randomUUID()}.db`),
      synchronous: 'normal',
    }),
    cleanup: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

function postgresBackend(url: string): TestBackend {
  const schemas: string[] = [];
  return {
    name: 'postgres',
    settings: () => {
      const schema = `test_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
      schemas.push(schema);
      return { kind: 'postgres', url, poolMax: 5, schema, queryTimeoutMs: 10_000 };
    },
    cleanup: async () => {
      if (schemas.length === 0) return;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const schema of schemas) await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

/**
 * Every database test runs on each backend: SQLite always, PostgreSQL when TEST_DATABASE_URL is set
 * (.ci/run always sets it). Skipping PostgreSQL is said out loud, never silent.
 */
export function testBackends(): TestBackend[] {
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (!url) {
    console.warn('[test] TEST_DATABASE_URL is not set: PostgreSQL tests are SKIPPED (SQLite only).');
    return [sqliteBackend()];
  }
  return [sqliteBackend(), postgresBackend(url)];
}

/**
 * Within a describe block: the process's database (what the services and repositories use) is a fresh one
 * on `backend` for the block's tests, opened and migrated as the server does at start.
 */
export function useProcessDatabase(backend: TestBackend): void {
  before(async () => {
    await startDatabase(backend.settings());
    database(); // throws if it could not be opened: the tests would only see "unavailable"
  });
  after(async () => {
    await closeDatabase();
    await backend.cleanup();
  });
}
