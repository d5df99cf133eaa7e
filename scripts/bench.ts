// `npm run bench` (after `npm run build`): load figures for the running service, printed, never asserted.
//
// The framework floor is a bare Next.js route handler (`Response.json(...)`, no shared code) in a minimal app
// this script builds with the same Next.js in a temporary folder, measured in the same run; so are a bare
// dynamic route (`/api/items/[id]`) and a bare POST that reads its JSON body, to show what Next.js itself
// costs for those. For each data set size the service (`npm start`, one worker) runs on a fresh SQLite file
// seeded with that many posts, and every endpoint is given as a ratio to the floor. Then the same GETs with
// WEB_CONCURRENCY=2. The load comes from wrk when it is installed (apt-get install wrk), else from this
// process; either shares the CPU with the server, so read the ratios, not the absolute numbers. The whole
// sequence runs BENCH_ROUNDS times and each figure is the median.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const PORT = Number(process.env.BENCH_PORT ?? 3700);
const FLOOR_PORT = PORT + 1;
const SIZES = (process.env.BENCH_SIZES ?? '1000,1000000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const TOKEN = 'bench-token-0123456789abcdef';
const NEXT_BIN = path.resolve('node_modules/next/dist/bin/next');
const WRK = spawnSync('wrk', ['--version']).error ? undefined : 'wrk';

interface Target {
  label: string;
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body; `{n}` in it becomes a number unique to each request. */
  body?: string;
}

interface Sample {
  perSecond: number;
  p99: number;
  /** Server CPU time per request, µs (user + system, all its processes). */
  cpuMicros: number;
}

// ---- the floor app ----------------------------------------------------------------------------------------

/** A minimal Next.js app that shares nothing with the service, built outside the project (whose proxy.ts and
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

async function startService(databaseFile: string, workers: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: {
      ...process.env,
      PORT: String(PORT),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: String(workers),
      DATABASE_URL: `file:${databaseFile}`,
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
    const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
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

function nodeRequest(agent: http.Agent, port: number, target: Target): Promise<number> {
  const body = target.body?.replace('{n}', String((sequence += 1)));
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
async function loadFromNode(port: number, target: Target, seconds: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
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
function loadFromWrk(port: number, target: Target, seconds: number) {
  const script = path.join(tmpdir(), `bench-${process.pid}.lua`);
  const report =
    'done = function(summary, latency, requests) io.write(string.format("p99 %d\\n", latency:percentile(99))) end\n';
  const request = target.body
    ? 'counter = 0\nrequest = function()\n  counter = counter + 1\n' +
      `  local body = string.gsub('${target.body}', '{n}', tostring(counter))\n` +
      `  return wrk.format("${target.method}", nil, { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${TOKEN}" }, body)\nend\n`
    : '';
  writeFileSync(script, request + report);
  const output = execFileSync(
    WRK as string,
    ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '-s', script, `http://127.0.0.1:${port}${target.path}`],
    { encoding: 'utf8' },
  );
  rmSync(script, { force: true });
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const p99 = Number(/p99 (\d+)/.exec(output)?.[1]) / 1000;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  if (non2xx > 0) console.warn(`  ${target.label}: ${non2xx} answers were not 2xx`);
  return { requests, p99 };
}

async function measure(port: number, pid: number, target: Target): Promise<Sample> {
  const load = (seconds: number) =>
    WRK ? Promise.resolve(loadFromWrk(port, target, seconds)) : loadFromNode(port, target, seconds);
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
  {
    label: 'bare Next.js POST reading its JSON body',
    method: 'POST',
    path: '/api/echo',
    body: '{"title":"Bench","body":"Bench body"}',
  },
];

function serviceTargets(size: number): Target[] {
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
      body: '{"title":"Bench","body":"Bench body"}',
    },
    {
      label: 'POST /api/submit-form',
      method: 'POST',
      path: '/api/submit-form',
      body: '{"name":"Bench","email":"bench@example.com","message":"Message {n}"}',
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
    'insert into posts (title, body, author, created_at, updated_at) values (?, ?, ?, ?, ?)',
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

type Row = { label: string; size: number; workers: number; samples: Sample[] };
const rows: Row[] = [];

function record(label: string, size: number, workers: number, sample: Sample) {
  let row = rows.find((each) => each.label === label && each.size === size && each.workers === workers);
  if (!row) rows.push((row = { label, size, workers, samples: [] }));
  row.samples.push(sample);
  console.info(
    `  ${label}${workers > 1 ? ` (${workers} workers)` : ''}: ${sample.perSecond.toFixed(0)} req/s, ${sample.cpuMicros.toFixed(0)} µs CPU/req`,
  );
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};

async function main() {
  console.info(`building the framework floor app … (load from ${WRK ? 'wrk' : 'this process'})`);
  const floorApp = buildFloorApp();
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const size of SIZES) {
        console.info(`\nround ${round}: ${size.toLocaleString('en')} posts`);
        const floor = await startFloor(floorApp);
        try {
          for (const target of [FLOOR, ...FLOOR_EXTRAS])
            record(target.label, size, 1, await measure(FLOOR_PORT, floor.pid!, target));
        } finally {
          await stop(floor);
        }
        for (const workers of size === Math.min(...SIZES) ? [1, 2] : [1]) {
          const directory = mkdtempSync(path.join(tmpdir(), 'posts-bench-'));
          const file = path.join(directory, 'app.db');
          const server = await startService(file, workers);
          try {
            seed(file, size);
            const targets = serviceTargets(size).filter((target) => workers === 1 || target.method === 'GET');
            for (const target of targets)
              record(target.label, size, workers, await measure(PORT, server.pid!, target));
          } finally {
            await stop(server);
            rmSync(directory, { recursive: true, force: true });
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
  const floorOf = (size: number) =>
    figure(rows.find((row) => row.label === FLOOR.label && row.size === size)!);
  const header = [
    'endpoint',
    'posts',
    'workers',
    'req/s',
    'p99 ms',
    'CPU µs/req',
    'vs floor',
    `vs ${smallest.toLocaleString('en')} posts`,
  ];
  const table = rows.map((row) => {
    const { perSecond, p99, cpu } = figure(row);
    const same = rows.find(
      (other) => other.label === row.label && other.workers === row.workers && other.size === smallest,
    );
    return [
      row.label,
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
}

void main();
