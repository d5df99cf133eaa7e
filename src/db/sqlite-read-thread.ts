import { Worker } from 'node:worker_threads';
import type { LongRead, TimedRows } from './read';

/**
 * The worker thread's code, plain CommonJS given as text: `next build` bundles the service's modules, and a
 * worker needs a file or text of its own. better-sqlite3 is found from the working directory, as the server
 * finds the app (server.ts: `dir: process.cwd()`). Statements are prepared once per SQL text and kept (see
 * closedButReferenced in sqlite.ts); the texts come from a fixed set of queries.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const BetterSqlite3 = require('better-sqlite3');
const sqlite = new BetterSqlite3(workerData.file, { readonly: true });
sqlite.exec('pragma busy_timeout = 5000');
const statements = new Map();
parentPort.on('message', ({ id, sql, parameters }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      statements.set(sql, statement);
    }
    const started = performance.now();
    const rows = statement.all(...parameters);
    parentPort.postMessage({ id, rows, ms: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

interface Answer {
  id: number;
  rows?: unknown[];
  /** How long the statement ran, its wait in the thread's queue not included. */
  ms?: number;
  error?: { message: string; code?: string };
}

/**
 * Reads on a worker thread's own read-only connection to `file`, one at a time, for the statements that may
 * take milliseconds (a search's): better-sqlite3 is synchronous, so on the main thread each would hold every
 * other request while it runs; here the event loop serves them meanwhile, on the other core. In WAL mode the
 * connection sees what has been committed, as the main thread's read connection does. A thread that fails is
 * replaced on the next read; the reads it held fail (and the request with them).
 */
export function sqliteReadThread(file: string): { read: LongRead; close(): Promise<void> } {
  let thread: Worker | undefined;
  let lastId = 0;
  const waiting = new Map<
    number,
    { resolve(answer: TimedRows<unknown>): void; reject(error: Error): void }
  >();

  const failAll = (error: Error) => {
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
  };
  const start = () => {
    const started = new Worker(THREAD_SOURCE, { eval: true, workerData: { file } });
    // Idle, it must not keep the process alive; a read in flight does (see run()).
    started.unref();
    started.on('message', ({ id, rows, ms, error }: Answer) => {
      const reader = waiting.get(id);
      waiting.delete(id);
      if (waiting.size === 0) started.unref();
      if (error) reader?.reject(Object.assign(new Error(error.message), { code: error.code }));
      else reader?.resolve({ rows: rows ?? [], ms: ms ?? 0 });
    });
    started.on('error', (error) => {
      if (thread === started) thread = undefined;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (thread === started) thread = undefined;
      failAll(new Error(`the SQLite read thread exited (code ${code})`));
    });
    return started;
  };
  const run = (sql: string, parameters: readonly unknown[]) =>
    new Promise<TimedRows<unknown>>((resolve, reject) => {
      const current = (thread ??= start());
      const id = (lastId += 1);
      waiting.set(id, { resolve, reject });
      current.ref();
      current.postMessage({ id, sql, parameters });
    });

  return {
    read: (query) => {
      const { sql, parameters } = query.compile();
      return run(sql, parameters) as never;
    },
    async close() {
      const current = thread;
      thread = undefined;
      await current?.terminate();
    },
  };
}
