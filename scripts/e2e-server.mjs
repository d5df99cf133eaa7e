// Starts `next start` for the Playwright suite on a database that starts empty.
// SQLite by default (a fresh file under .data/e2e); E2E_DATABASE_URL=postgres://…?schema=… for PostgreSQL,
// where the schema is dropped first.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const port = process.env.E2E_PORT ?? '3210';
const token = process.env.E2E_API_TOKEN ?? 'e2e-token-0123456789abcdef';
let databaseUrl = process.env.E2E_DATABASE_URL;

if (databaseUrl?.startsWith('postgres')) {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  if (!schema) throw new Error('E2E_DATABASE_URL needs ?schema=… so the suite never touches other data');
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
} else {
  const dir = path.resolve(`.data/e2e-${port}`);
  rmSync(dir, { recursive: true, force: true });
  databaseUrl = `file:${path.join(dir, 'app.db')}`;
}

const child = spawn(
  process.execPath,
  ['node_modules/next/dist/bin/next', 'start', '-p', port, '-H', '127.0.0.1'],
  {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: databaseUrl, API_TOKEN: token, NEXT_TELEMETRY_DISABLED: '1' },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
