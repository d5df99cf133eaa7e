import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseConfig } from '../../src/config';
import { openDatabase, type DatabaseHandle } from '../../src/db/open';

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty database (a new SQLite file, or a new PostgreSQL schema). */
  settings(): DatabaseConfig;
  open(settings: DatabaseConfig): Promise<DatabaseHandle>;
  cleanup(): Promise<void>;
}

function sqliteBackend(): TestBackend {
  const directory = mkdtempSync(path.join(tmpdir(), 'posts-test-'));
  return {
    name: 'sqlite',
    settings: () => ({ kind: 'sqlite', file: path.join(directory, `${randomUUID()}.db`) }),
    open: openDatabase,
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
      return { kind: 'postgres', url, poolMax: 5, schema };
    },
    open: openDatabase,
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
 * Every repository test runs on each backend: SQLite always, PostgreSQL when TEST_DATABASE_URL is set
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
