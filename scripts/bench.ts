// `npm run bench` (after `npm run build`): load figures for the running service, printed, never asserted.
//
// For each data set size it starts `next start` on a fresh SQLite file, seeds that many posts straight into
// the file, and drives each endpoint with keep-alive connections from this process (which shares the CPU with
// the server: read the ratios, not the absolute numbers). /api/hello is the framework's floor; every other
// figure is also given as a ratio to it, and the list page is compared across data set sizes (keyset paging
// should cost the same on 1,000 posts as on 1,000,000).
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const PORT = Number(process.env.BENCH_PORT ?? 3700);
const SIZES = (process.env.BENCH_SIZES ?? '1000,1000000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TOKEN = 'bench-token-0123456789abcdef';

interface Result {
  label: string;
  size: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function startServer(databaseFile: string) {
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(PORT)], {
    env: {
      ...process.env,
      DATABASE_URL: `file:${databaseFile}`,
      API_TOKEN: TOKEN,
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: 'ignore',
  });
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const ok = await fetch(`http://127.0.0.1:${PORT}/api/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error('next start did not become healthy');
}

/** Kept referenced until exit: on Node 24 a collected better-sqlite3 object can abort (see src/db/sqlite.ts). */
const seeders: unknown[] = [];

/** Seeds posts in one transaction, straight into the file the server already migrated. */
function seed(databaseFile: string, count: number) {
  const db = new Database(databaseFile);
  db.exec('pragma busy_timeout = 10000');
  const insert = db.prepare(
    `insert into posts (title, body, author, created_at, updated_at) values (?, ?, ?, ?, ?)`,
  );
  const now = new Date().toISOString();
  db.transaction(() => {
    for (let index = 0; index < count; index += 1) {
      insert.run(
        `Post number ${index}`,
        `Body of post ${index}. `.repeat(8),
        `author${index % 100}`,
        now,
        now,
      );
    }
  })();
  db.close();
  seeders.push(db, insert);
}

function request(agent: http.Agent, method: string, urlPath: string, body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path: urlPath,
        agent,
        headers: body
          ? {
              'Content-Type': 'application/json',
              Authorization: `Bearer ${TOKEN}`,
              'Content-Length': Buffer.byteLength(body),
            }
          : {},
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function load(
  label: string,
  size: number,
  method: string,
  urlPath: string,
  body?: string,
): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const run = async (seconds: number, record: boolean) => {
    const latencies: number[] = [];
    let errors = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < end) {
          const start = performance.now();
          const status = await request(agent, method, urlPath, body).catch(() => 0);
          if (status === 0 || status >= 400) errors += 1;
          if (record) latencies.push(performance.now() - start);
        }
      }),
    );
    return { latencies, errors };
  };
  await run(WARMUP_SECONDS, false);
  const { latencies, errors } = await run(SECONDS, true);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0;
  return {
    label,
    size,
    requests: latencies.length,
    perSecond: latencies.length / SECONDS,
    p50: at(0.5),
    p99: at(0.99),
    errors,
  };
}

async function main() {
  const results: Result[] = [];
  for (const size of SIZES) {
    const directory = mkdtempSync(path.join(tmpdir(), 'posts-bench-'));
    const file = path.join(directory, 'app.db');
    const server = await startServer(file);
    try {
      const seeded = performance.now();
      seed(file, size);
      console.info(
        `seeded ${size.toLocaleString('en')} posts in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
      );
      const middle = Math.max(1, Math.floor(size / 2));
      results.push(await load('GET /api/hello (framework floor)', size, 'GET', '/api/hello'));
      results.push(await load('GET /api/posts (first page of 20)', size, 'GET', '/api/posts'));
      results.push(
        await load(
          'GET /api/posts (a page deep in the list)',
          size,
          'GET',
          `/api/posts?cursor=${Buffer.from(JSON.stringify({ before: middle })).toString('base64url')}`,
        ),
      );
      results.push(
        await load('GET /api/posts?author= (filtered page)', size, 'GET', '/api/posts?author=author7'),
      );
      results.push(await load('GET /api/posts/{id}', size, 'GET', `/api/posts/${middle}`));
      results.push(
        await load(
          'POST /api/posts',
          size,
          'POST',
          '/api/posts',
          JSON.stringify({ title: 'Bench', body: 'Bench body' }),
        ),
      );
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
      rmSync(directory, { recursive: true, force: true });
    }
  }

  console.info(
    `\nNode ${process.version}, ${CONNECTIONS} keep-alive connections, ${SECONDS} s per row after ${WARMUP_SECONDS} s warm-up\n`,
  );
  const floor = new Map(
    results.filter((r) => r.label.startsWith('GET /api/hello')).map((r) => [r.size, r.perSecond]),
  );
  const smallest = Math.min(...SIZES);
  const header = [
    'endpoint',
    'posts',
    'req/s',
    'p50 ms',
    'p99 ms',
    'vs floor',
    `vs ${smallest.toLocaleString('en')} posts`,
    'errors',
  ];
  const rows = results.map((r) => {
    const sameAtSmallest = results.find((other) => other.label === r.label && other.size === smallest);
    return [
      r.label,
      r.size.toLocaleString('en'),
      r.perSecond.toFixed(0),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      (r.perSecond / (floor.get(r.size) ?? r.perSecond)).toFixed(2),
      sameAtSmallest ? (r.perSecond / sameAtSmallest.perSecond).toFixed(2) : '',
      String(r.errors),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  for (const row of [header, ...rows])
    console.info(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
}

void main();
