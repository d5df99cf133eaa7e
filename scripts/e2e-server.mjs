// Starts the production server (`npm start`: dist/server.js) for the Playwright suite, on a database that
// starts empty and is removed afterwards.
// SQLite by default (a fresh file under .data/e2e-<port>); E2E_DATABASE_URL=postgres://…?schema=… for
// PostgreSQL, where that schema is dropped before the server starts and after it stops.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const port = process.env.E2E_PORT;
if (!port) throw new Error('E2E_PORT is set by playwright.config.ts');
const token = process.env.E2E_API_TOKEN ?? 'e2e-token-0123456789abcdef';
const postgresUrl = process.env.E2E_DATABASE_URL?.startsWith('postgres')
  ? new URL(process.env.E2E_DATABASE_URL)
  : undefined;
const sqliteDirectory = path.resolve(`.data/e2e-${port}`);

async function dropSchema(url) {
  const schema = url.searchParams.get('schema');
  const server = new URL(url);
  server.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: server.toString() });
  await client.connect();
  await client.query(`drop schema if exists "${schema}" cascade`);
  await client.end();
}

async function removeDatabase() {
  if (postgresUrl) await dropSchema(postgresUrl);
  else rmSync(sqliteDirectory, { recursive: true, force: true });
}

if (postgresUrl && !/^[a-z_][a-z0-9_]*$/.test(postgresUrl.searchParams.get('schema') ?? '')) {
  throw new Error('E2E_DATABASE_URL needs ?schema=<identifier> so the suite never touches other data');
}
await removeDatabase();

const databaseUrl = postgresUrl ? postgresUrl.toString() : `file:${path.join(sqliteDirectory, 'app.db')}`;
const child = spawn(process.execPath, ['dist/server.js'], {
  stdio: 'inherit',
  env: {
    ...process.env,
    PORT: port,
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    API_TOKEN: token,
    // Every spec posts to the contact route from 127.0.0.1 at once; the limit itself is tested on its own server.
    CONTACT_RATE_LIMIT: process.env.CONTACT_RATE_LIMIT ?? '100000/600',
    NEXT_TELEMETRY_DISABLED: '1',
  },
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    stopping = true;
    child.kill(signal);
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    await removeDatabase().catch((error) =>
      console.error('[e2e] could not remove the test database:', error),
    );
    process.exit(0);
  });
}
// If the server dies on its own, say so with its exit code (the signal handler above owns a requested stop).
child.on('exit', (code) => {
  if (!stopping) process.exit(code ?? 1);
});
