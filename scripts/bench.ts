// `npm run bench` (after `npm run build`): load figures for the running service, printed, never asserted.
//
// The framework floor is a bare Next.js route handler (`Response.json(...)`, no shared code) in a minimal app
// this script builds with the same Next.js, measured in the same run. For each data set size it then starts
// the service on a fresh SQLite file, seeds that many posts straight into the file, and drives each endpoint
// with keep-alive connections from this process (which shares the CPU with the server: read the ratios, not
// the absolute numbers). Every endpoint is given as a ratio to the floor, and across data set sizes (keyset
// paging should cost the same on 1,000 posts as on 1,000,000).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const PORT = Number(process.env.BENCH_PORT ?? 3700);
const SIZES = (process.env.BENCH_SIZES ?? '1000,1000000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const TOKEN = 'bench-token-0123456789abcdef';
const NEXT_BIN = path.resolve('node_modules/next/dist/bin/next');
/** Inside the project (and ignored by git), so that it resolves `next` from the project's own node_modules. */
const FLOOR_APP = path.resolve('.next-bench-floor');

interface Result {
  label: string;
  size: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Target {
  label: string;
  method: string;
  path: string;
  body?: () => string;
}

/** A minimal Next.js app with one route handler that shares nothing with the service. */
function buildFloorApp(): void {
  rmSync(FLOOR_APP, { recursive: true, force: true });
  mkdirSync(path.join(FLOOR_APP, 'app/api/hello'), { recursive: true });
  writeFileSync(path.join(FLOOR_APP, 'package.json'), '{ "private": true }\n');
  writeFileSync(
    path.join(FLOOR_APP, 'app/api/hello/route.ts'),
    "export function GET() {\n  return Response.json({ message: 'Hello, world!' });\n}\n",
  );
  const built = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: FLOOR_APP,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`the floor app did not build:\n${built.stdout}${built.stderr}`);
}

async function startServer(
  cwd: string,
  readyPath: string,
  env: Record<string, string>,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(PORT), '-H', '127.0.0.1'], {
    cwd,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env },
    stdio: 'ignore',
  });
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const ok = await fetch(`http://127.0.0.1:${PORT}${readyPath}`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`the server in ${cwd} did not start`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
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

function request(agent: http.Agent, target: Target): Promise<number> {
  const body = target.body?.();
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port: PORT,
        method: target.method,
        path: target.path,
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

async function load(target: Target, size: number): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    let errors = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < end) {
          const start = performance.now();
          const status = await request(agent, target).catch(() => 0);
          if (status === 0 || status >= 400) errors += 1;
          latencies.push(performance.now() - start);
        }
      }),
    );
    return { latencies, errors };
  };
  await run(WARMUP_SECONDS);
  const { latencies, errors } = await run(SECONDS);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (fraction: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * fraction))] ?? 0;
  const result = {
    label: target.label,
    size,
    perSecond: latencies.length / SECONDS,
    p50: at(0.5),
    p99: at(0.99),
    errors,
  };
  console.info(`  ${target.label}: ${result.perSecond.toFixed(0)} req/s`);
  return result;
}

const FLOOR = 'bare Next.js route (framework floor)';
let sequence = 0;

function targets(size: number): Target[] {
  const middle = Math.max(1, Math.floor(size / 2));
  const deep = Buffer.from(JSON.stringify({ before: middle })).toString('base64url');
  return [
    { label: 'GET /api/hello', method: 'GET', path: '/api/hello' },
    { label: 'GET /api/posts (first page of 20)', method: 'GET', path: '/api/posts' },
    { label: 'GET /api/posts (a page deep in the list)', method: 'GET', path: `/api/posts?cursor=${deep}` },
    { label: 'GET /api/posts?author= (filtered page)', method: 'GET', path: '/api/posts?author=author7' },
    { label: 'GET /api/posts/{id}', method: 'GET', path: `/api/posts/${middle}` },
    {
      label: 'POST /api/posts',
      method: 'POST',
      path: '/api/posts',
      body: () => JSON.stringify({ title: 'Bench', body: 'Bench body' }),
    },
    {
      label: 'POST /api/submit-form',
      method: 'POST',
      path: '/api/submit-form',
      body: () =>
        JSON.stringify({ name: 'Bench', email: 'bench@example.com', message: `Message ${(sequence += 1)}` }),
    },
  ];
}

function printTable(results: Result[]) {
  const floor = new Map(results.filter((r) => r.label === FLOOR).map((r) => [r.size, r.perSecond]));
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
    const atSmallest = results.find((other) => other.label === r.label && other.size === smallest);
    return [
      r.label,
      r.size.toLocaleString('en'),
      r.perSecond.toFixed(0),
      r.p50.toFixed(1),
      r.p99.toFixed(1),
      (r.perSecond / (floor.get(r.size) ?? r.perSecond)).toFixed(2),
      atSmallest ? (r.perSecond / atSmallest.perSecond).toFixed(2) : '',
      String(r.errors),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  for (const row of [header, ...rows])
    console.info(row.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));
}

async function main() {
  console.info('building the framework floor app …');
  buildFloorApp();
  const results: Result[] = [];
  for (const size of SIZES) {
    console.info(`\n${size.toLocaleString('en')} posts`);
    // The floor, right before the service and on the same machine state, for each data set size.
    const floorServer = await startServer(FLOOR_APP, '/api/hello', {});
    try {
      results.push(await load({ label: FLOOR, method: 'GET', path: '/api/hello' }, size));
    } finally {
      await stopServer(floorServer);
    }
    const directory = mkdtempSync(path.join(tmpdir(), 'posts-bench-'));
    const file = path.join(directory, 'app.db');
    // Healthy means migrated: the posts table exists for the seeding.
    const server = await startServer(process.cwd(), '/api/health', {
      DATABASE_URL: `file:${file}`,
      API_TOKEN: TOKEN,
      CONTACT_RATE_LIMIT: '9999999/60',
    });
    try {
      const seeded = performance.now();
      seed(file, size);
      console.info(`  seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
      for (const target of targets(size)) results.push(await load(target, size));
    } finally {
      await stopServer(server);
      rmSync(directory, { recursive: true, force: true });
    }
  }
  rmSync(FLOOR_APP, { recursive: true, force: true });
  console.info(
    `\nNode ${process.version}, ${CONNECTIONS} keep-alive connections, ${SECONDS} s per row after ${WARMUP_SECONDS} s warm-up\n`,
  );
  printTable(results);
}

void main();
