// `npm run bench` (after `npm run build`): load figures for the running service, printed, never asserted.
//
// The framework floor is a bare Next.js route handler (`Response.json(...)`, no shared code) in a minimal app
// this script builds with the same Next.js in a temporary folder, measured in the same run; so are a bare
// dynamic route (`/api/items/[id]`), a bare route that sends a constant page of 20 posts and a bare POST that
// reads its JSON body, to show what Next.js itself costs for those. For each data set size the service
// (`npm start`, one worker) runs on a fresh SQLite file seeded with that many posts, and every endpoint is
// given as a ratio to the floor. Then the same with WEB_CONCURRENCY=2 (two processes, so two SQLite
// writers), writes and a mixed load included. The load comes from wrk when it is installed (apt-get install
// wrk), else from this process; either shares the CPU with the server, so read the ratios, not the absolute
// numbers. The whole sequence runs BENCH_ROUNDS times and each figure is the median.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { searchable } from '../src/posts/search';
import { encodeCursor } from '../src/http/paging';

const run = promisify(execFile);

const PORT = Number(process.env.BENCH_PORT ?? 3700);
const FLOOR_PORT = PORT + 1;
const SIZES = (process.env.BENCH_SIZES ?? '1000,1000000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
/** Only the endpoints whose label matches (a regular expression; the floor always runs), for a quick look. */
const ONLY = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY) : undefined;
const chosen = (target: Target) => !ONLY || ONLY.test(target.label);
/** Whether to measure two workers too (BENCH_TWO_WORKERS=0 skips them). */
const TWO_WORKERS = process.env.BENCH_TWO_WORKERS !== '0';
/** A PostgreSQL server for the search rows on PostgreSQL too (a schema of the bench's own, dropped after). */
const POSTGRES_URL = process.env.BENCH_DATABASE_URL;
const TOKEN = 'bench-token-0123456789abcdef';
const NEXT_BIN = path.resolve('node_modules/next/dist/bin/next');
const WRK = spawnSync('wrk', ['--version']).error ? undefined : 'wrk';

interface Target {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body; `{n}` in it becomes a number unique to each request. */
  body?: string;
  /** A mixed load: every MIX_EVERY-th request is this write instead. */
  write?: Target;
}

const MIX_EVERY = 5;

interface Sample {
  perSecond: number;
  p99: number;
  /** Server CPU time per request, µs (user + system, all its processes). */
  cpuMicros: number;
}

// ---- the floor app ----------------------------------------------------------------------------------------

/** A minimal Next.js app that shares nothing with the service, built outside the project (whose
 * instrumentation.ts would otherwise be found), resolving `next` through a link to the project's modules. */
function buildFloorApp(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'next-floor-'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'));
  write('package.json', '{ "private": true }\n');
  write('next.config.mjs', "export default { turbopack: { root: '/' } };\n");
  write(
    'app/api/hello/route.ts',
    "export function GET() {\n  return Response.json({ message: 'Hello, world!' });\n}\n",
  );
  write(
    'app/api/items/[id]/route.ts',
    'export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {\n' +
      '  return Response.json({ id: (await params).id });\n}\n',
  );
  // A page of 20 posts as the service's first page has them (the seed's sizes), made once: what Next.js
  // costs to send that much JSON, with none of the service's work.
  write(
    'app/api/page/route.ts',
    'const posts = Array.from({ length: 20 }, (_, index) => ({\n' +
      '  id: 1000 - index,\n  title: `Post number ${1000 - index}`,\n' +
      '  body: `Body of post ${1000 - index}. `.repeat(8),\n  author: `author${index}`,\n' +
      "  createdAt: '2026-01-01T00:00:00.000Z',\n  updatedAt: '2026-01-01T00:00:00.000Z',\n}));\n" +
      "export function GET() {\n  return Response.json(posts, { headers: { 'Cache-Control': 'no-store' } });\n}\n",
  );
  write(
    'app/api/echo/route.ts',
    'export async function POST(request: Request) {\n  return Response.json(await request.json(), { status: 201 });\n}\n',
  );
  const built = spawnSync(process.execPath, [NEXT_BIN, 'build'], {
    cwd: root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`the floor app did not build:\n${built.stdout}${built.stderr}`);
  return root;
}

// ---- servers ----------------------------------------------------------------------------------------------

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    if (child.exitCode !== null) throw new Error(`the server for ${url} exited`);
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${url} did not answer`);
}

function startFloor(root: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [NEXT_BIN, 'start', '-p', String(FLOOR_PORT), '-H', '127.0.0.1'], {
    cwd: root,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    stdio: 'ignore',
  });
  return waitFor(`http://127.0.0.1:${FLOOR_PORT}/api/hello`, child).then(() => child);
}

async function startService(databaseUrl: string, workers: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: String(workers),
      DATABASE_URL: databaseUrl,
      API_TOKEN: TOKEN,
      CONTACT_RATE_LIMIT: '9999999/60',
      NEXT_TELEMETRY_DISABLED: '1',
    },
    stdio: 'ignore',
  });
  // Healthy means migrated: the posts table exists for the seeding.
  await waitFor(`http://127.0.0.1:${PORT}/api/health`, child);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** CPU seconds used so far by a process and its children (workers), from /proc; undefined elsewhere. */
function cpuSeconds(pid: number): number | undefined {
  try {
    // pgrep exits 1 when there are none.
    const children = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean);
    const ticks = [String(pid), ...children].reduce((sum, each) => {
      const fields = readFileSync(`/proc/${each}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + Number(fields[11]) + Number(fields[12]);
    }, 0);
    return ticks / 100;
  } catch {
    return undefined;
  }
}

// ---- load -------------------------------------------------------------------------------------------------

let sequence = 0;

function nodeRequest(agent: http.Agent, port: number, mixed: Target): Promise<number> {
  sequence += 1;
  const target = mixed.write && sequence % MIX_EVERY === 0 ? mixed.write : mixed;
  const body = target.body?.replace('{n}', String(sequence));
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      {
        host: '127.0.0.1',
        port,
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

/** Requests and latencies for `seconds`, from this process. */
async function loadFromNode(port: number, target: Target, seconds: number, connections = CONNECTIONS) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await nodeRequest(agent, port, target).catch(() => 0);
        latencies.push(performance.now() - start);
      }
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0 };
}

/** The same from wrk, with a Lua script for bodies (each request's body made unique by a counter). */
async function loadFromWrk(port: number, target: Target, seconds: number, connections = CONNECTIONS) {
  const script = path.join(tmpdir(), `bench-${process.pid}.lua`);
  const report =
    'done = function(summary, latency, requests) io.write(string.format("p99 %d\\n", latency:percentile(99))) end\n';
  const write = (each: Target) =>
    `  local body = string.gsub('${each.body}', '{n}', tostring(counter))\n` +
    `  return wrk.format("${each.method}", "${each.path}", { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${TOKEN}" }, body)\n`;
  const request = target.write
    ? 'counter = 0\nrequest = function()\n  counter = counter + 1\n' +
      `  if counter % ${MIX_EVERY} == 0 then\n${write(target.write)}  end\n` +
      `  return wrk.format("${target.method}", "${target.path}")\nend\n`
    : target.body
      ? `counter = 0\nrequest = function()\n  counter = counter + 1\n${write(target)}end\n`
      : '';
  writeFileSync(script, request + report);
  // Not execFileSync: the bench's own searchers (helloWhileSearching) must go on running meanwhile.
  const { stdout: output } = await run(WRK as string, [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '-s',
    script,
    `http://127.0.0.1:${port}${target.path}`,
  ]);
  rmSync(script, { force: true });
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const p99 = Number(/p99 (\d+)/.exec(output)?.[1]) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  if (non2xx > 0) console.warn(`  ${target.label}: ${non2xx} answers were not 2xx`);
  return { requests, p99 };
}

async function measure(
  port: number,
  pid: number,
  target: Target,
  connections = CONNECTIONS,
): Promise<Sample> {
  const load = (seconds: number) =>
    WRK ? loadFromWrk(port, target, seconds, connections) : loadFromNode(port, target, seconds, connections);
  await load(WARMUP_SECONDS);
  const cpuBefore = cpuSeconds(pid);
  const { requests, p99 } = await load(SECONDS);
  const cpuAfter = cpuSeconds(pid);
  const cpuMicros =
    cpuBefore === undefined || cpuAfter === undefined ? NaN : ((cpuAfter - cpuBefore) / requests) * 1e6;
  return { perSecond: requests / SECONDS, p99, cpuMicros };
}

// ---- the run ----------------------------------------------------------------------------------------------

const FLOOR: Target = { label: 'bare Next.js GET route (the floor)', method: 'GET', path: '/api/hello' };
const FLOOR_EXTRAS: Target[] = [
  { label: 'bare Next.js GET /api/items/[id] (dynamic)', method: 'GET', path: '/api/items/5' },
  { label: 'bare Next.js GET of a constant page of 20 posts', method: 'GET', path: '/api/page' },
  {
    label: 'bare Next.js POST reading its JSON body',
    method: 'POST',
    path: '/api/echo',
    body: '{"title":"Bench","body":"Bench body"}',
  },
];

function serviceTargets(size: number): Target[] {
  const middle = Math.max(1, Math.floor(size / 2));
  const deep = encodeCursor(middle);
  const create: Target = {
    label: 'POST /api/posts',
    method: 'POST',
    path: '/api/posts',
    body: '{"title":"Bench","body":"Bench body"}',
  };
  return [
    { label: 'GET /api/hello', method: 'GET', path: '/api/hello' },
    { label: 'GET /api/posts (first page of 20)', method: 'GET', path: '/api/posts' },
    { label: 'GET /api/posts (a page deep in the list)', method: 'GET', path: `/api/posts?cursor=${deep}` },
    { label: 'GET /api/posts?author= (filtered page)', method: 'GET', path: '/api/posts?author=author7' },
    { label: 'GET /api/posts/{id}', method: 'GET', path: `/api/posts/${middle}` },
    create,
    {
      label: 'POST /api/submit-form',
      method: 'POST',
      path: '/api/submit-form',
      body: '{"name":"Bench","email":"bench@example.com","message":"Message {n}"}',
    },
    {
      label: `mixed: ${MIX_EVERY - 1} GET /api/posts/{id} to 1 POST /api/posts`,
      method: 'GET',
      path: `/api/posts/${middle}`,
      write: create,
    },
  ];
}

/** Kept referenced until exit: on Node 24 a collected better-sqlite3 object can abort (see src/db/sqlite.ts). */
const seeders: unknown[] = [];

/** Seeds posts in one transaction, straight into the file the server already migrated. */
function seed(databaseFile: string, count: number) {
  const db = new Database(databaseFile);
  db.exec('pragma busy_timeout = 10000');
  const insert = db.prepare(
    'insert into posts (title, body, author, created_at, updated_at, search_title, search_body) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const now = new Date().toISOString();
  db.transaction(() => {
    for (let index = 0; index < count; index += 1) {
      const [title, body] = [`Post number ${index}`, `Body of post ${index}. `.repeat(8)];
      insert.run(title, body, `author${index % 100}`, now, now, searchable(title), searchable(body));
    }
  })();
  db.close();
  seeders.push(db, insert);
}

type Backend = 'sqlite' | 'postgres';
type Row = { label: string; backend: Backend; size: number; workers: number; samples: Sample[] };
const rows: Row[] = [];

function record(label: string, backend: Backend, size: number, workers: number, sample: Sample) {
  let row = rows.find(
    (each) =>
      each.label === label && each.backend === backend && each.size === size && each.workers === workers,
  );
  if (!row) rows.push((row = { label, backend, size, workers, samples: [] }));
  row.samples.push(sample);
  console.info(
    `  ${label} (${backend}${workers > 1 ? `, ${workers} workers` : ''}): ` +
      `${sample.perSecond.toFixed(0)} req/s, p99 ${sample.p99.toFixed(1)} ms, ${sample.cpuMicros.toFixed(0)} µs CPU/req`,
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

/** Searches: one that matches, one that matches nothing, one whose every trigram is common but whose phrase
 * never occurs, and a deep cursor. */
function searchTargets(size: number): Target[] {
  const deep = encodeCursor(Math.max(2, Math.floor(size / 2)));
  return [
    { label: 'GET /api/posts?q= (matches: "number 77")', method: 'GET', path: '/api/posts?q=number%2077' },
    { label: 'GET /api/posts?q= (matches nothing: "zqxjv")', method: 'GET', path: '/api/posts?q=zqxjv' },
    {
      label: 'GET /api/posts?q= (common trigrams, no match)',
      method: 'GET',
      path: '/api/posts?q=of%20post%20number',
    },
    {
      label: 'GET /api/posts?q= + a deep cursor',
      method: 'GET',
      path: `/api/posts?q=number%2077&cursor=${deep}`,
    },
  ];
}

const HELLO_ALONE = 'GET /api/hello, 4 connections, alone';
const HELLO_SEARCHING = 'GET /api/hello, 4 connections, while 4 clients search';

/**
 * /api/hello's latency with 4 connections, alone and while 4 clients search without pause, in turn
 * HELLO_TURNS times each: its p99 alone moves from one run to the next by about as much as the searches move
 * it, so one measurement of each would say more about the moment than about the searches.
 */
const HELLO_TURNS = 3;

async function helloWhileSearching(pid: number, backend: Backend, size: number) {
  const hello: Target = { label: 'GET /api/hello', method: 'GET', path: '/api/hello' };
  for (let turn = 0; turn < HELLO_TURNS; turn += 1) {
    record(HELLO_ALONE, backend, size, 1, await measure(PORT, pid, hello, 4));
    let searching = true;
    const searchers = searchTargets(size).map(async (target) => {
      while (searching)
        await fetch(`http://127.0.0.1:${PORT}${target.path}`).then((response) => response.arrayBuffer());
    });
    record(HELLO_SEARCHING, backend, size, 1, await measure(PORT, pid, hello, 4));
    searching = false;
    await Promise.all(searchers);
  }
}

/** A PostgreSQL schema of the bench's own, migrated by the service and seeded in SQL. */
async function postgresDatabase(size: number) {
  const schema = `bench_${process.pid}_${size}`;
  const url = new URL(POSTGRES_URL as string);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  url.searchParams.set('schema', schema);
  return {
    url: url.toString(),
    // The bench's text is ASCII, where lower() folds exactly as the service's searchable() does.
    seed: async () => {
      await client.query(`insert into "${schema}".posts (title, body, author, created_at, updated_at, search_title, search_body)
        select t, b, 'author' || (i % 100), now(), now(), lower(t), lower(b)
        from generate_series(0, ${size - 1}) as i,
          lateral (select 'Post number ' || i as t, repeat('Body of post ' || i || '. ', 8) as b) as text`);
      // Vacuumed now, as a long-lived database would be, rather than by autovacuum during the measurements.
      await client.query(`vacuum analyze "${schema}".posts, "${schema}".posts_search_blocks`);
    },
    drop: async () => {
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    },
  };
}

/** Whether something already listens on a port (whose answers would be measured instead of ours). */
function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = http.get({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (response) => {
      response.resume();
      resolve(true);
    });
    probe.on('error', () => resolve(false));
    probe.on('timeout', () => probe.destroy());
  });
}

async function main() {
  for (const port of [PORT, FLOOR_PORT]) {
    if (await portInUse(port))
      throw new Error(`port ${port} is in use; stop what listens there or set BENCH_PORT`);
  }
  console.info(`building the framework floor app … (load from ${WRK ? 'wrk' : 'this process'})`);
  const floorApp = buildFloorApp();
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const size of SIZES) {
        console.info(`\nround ${round}: ${size.toLocaleString('en')} posts`);
        const floor = await startFloor(floorApp);
        try {
          for (const target of [FLOOR, ...FLOOR_EXTRAS.filter(chosen)]) {
            record(target.label, 'sqlite', size, 1, await measure(FLOOR_PORT, floor.pid!, target));
          }
        } finally {
          await stop(floor);
        }
        for (const workers of TWO_WORKERS && size === Math.min(...SIZES) ? [1, 2] : [1]) {
          const directory = mkdtempSync(path.join(tmpdir(), 'posts-bench-'));
          const file = path.join(directory, 'app.db');
          const server = await startService(`file:${file}`, workers);
          try {
            const seeding = performance.now();
            seed(file, size);
            console.info(`  seeded in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
            // Two workers are two SQLite writers on one file: the writes and the mixed load show whether
            // they lose to one process.
            const targets =
              workers === 1 ? [...serviceTargets(size), ...searchTargets(size)] : serviceTargets(size);
            for (const target of targets.filter(chosen))
              record(target.label, 'sqlite', size, workers, await measure(PORT, server.pid!, target));
            if (workers === 1 && chosen({ label: HELLO_SEARCHING, method: 'GET', path: '' }))
              await helloWhileSearching(server.pid!, 'sqlite', size);
          } finally {
            await stop(server);
            rmSync(directory, { recursive: true, force: true });
          }
        }
        if (POSTGRES_URL) {
          const database = await postgresDatabase(size);
          const server = await startService(database.url, 1);
          try {
            await database.seed();
            const targets = [
              ...serviceTargets(size).filter((target) => target.method === 'GET'),
              ...searchTargets(size),
            ];
            for (const target of targets.filter(chosen))
              record(target.label, 'postgres', size, 1, await measure(PORT, server.pid!, target));
            if (chosen({ label: HELLO_SEARCHING, method: 'GET', path: '' }))
              await helloWhileSearching(server.pid!, 'postgres', size);
          } finally {
            await stop(server);
            await database.drop();
          }
        }
      }
    }
  } finally {
    rmSync(floorApp, { recursive: true, force: true });
  }
  printTable();
}

function printTable() {
  console.info(
    `\nNode ${process.version}, ${CONNECTIONS} connections from ${WRK ? 'wrk' : 'the bench process'}, ` +
      `${SECONDS} s per row after ${WARMUP_SECONDS} s of warm-up, median of ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}\n`,
  );
  const smallest = Math.min(...SIZES);
  const figure = (row: Row) => ({
    perSecond: median(row.samples.map((sample) => sample.perSecond)),
    p99: median(row.samples.map((sample) => sample.p99)),
    cpu: median(row.samples.map((sample) => sample.cpuMicros)),
  });
  const find = (label: string, backend: Backend, size: number, workers = 1) =>
    rows.find(
      (row) => row.label === label && row.backend === backend && row.size === size && row.workers === workers,
    );
  const floorOf = (size: number) => figure(find(FLOOR.label, 'sqlite', size)!);
  const header = ['endpoint', 'database', 'posts', 'workers', 'req/s', 'p99 ms', 'CPU µs/req', 'vs floor'];
  header.push(`vs ${smallest.toLocaleString('en')} posts`);
  const table = rows.map((row) => {
    const { perSecond, p99, cpu } = figure(row);
    const same = find(row.label, row.backend, smallest, row.workers);
    return [
      row.label,
      row.label.startsWith('bare') ? '' : row.backend,
      row.size.toLocaleString('en'),
      String(row.workers),
      perSecond.toFixed(0),
      p99.toFixed(1),
      Number.isNaN(cpu) ? '' : cpu.toFixed(0),
      (perSecond / floorOf(row.size).perSecond).toFixed(2),
      same ? (perSecond / figure(same).perSecond).toFixed(2) : '',
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((cells) => cells[column]!.length)),
  );
  for (const cells of [header, ...table])
    console.info(cells.map((cell, column) => cell.padEnd(widths[column]!)).join('  '));

  console.info('');
  for (const backend of ['sqlite', 'postgres'] as const) {
    for (const size of SIZES) {
      const alone = find(HELLO_ALONE, backend, size);
      const searching = find(HELLO_SEARCHING, backend, size);
      if (alone && searching) {
        console.info(
          `${backend}, ${size.toLocaleString('en')} posts: /api/hello p99 while 4 clients search = ` +
            `${(figure(searching).p99 / figure(alone).p99).toFixed(2)}× its p99 alone`,
        );
      }
    }
  }
  const twoWorkers = rows.filter((row) => row.workers === 2);
  const ofOneWorker = (kind: (row: Row) => boolean) => {
    const ratios = twoWorkers
      .filter(kind)
      .map((row) => figure(row).perSecond / figure(find(row.label, row.backend, row.size)!).perSecond);
    return ratios.length ? `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×` : 'n/a';
  };
  if (twoWorkers.length) {
    const isGet = (row: Row) => row.label.startsWith('GET');
    const isWrite = (row: Row) => row.label.startsWith('POST');
    console.info(
      `WEB_CONCURRENCY=2 (SQLite) served ${ofOneWorker(isGet)} the GET requests of 1 worker, ` +
        `${ofOneWorker(isWrite)} its writes, ${ofOneWorker((row) => row.label.startsWith('mixed'))} its mixed load`,
    );
  }
}

void main();
