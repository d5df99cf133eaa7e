import { Worker } from 'node:worker_threads';

/**
 * The worker thread's code, plain CommonJS given as text: `next build` bundles the service's modules, and a
 * worker needs a file or text of its own. better-sqlite3 is found from the working directory, as the server
 * finds the app (server.ts: `dir: process.cwd()`). Statements are prepared once per SQL text and kept (see
 * closedButReferenced in sqlite.ts); the texts come from a fixed set of queries.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const BetterSqlite3 = require('better-sqlite3');
const sqlite = new BetterSqlite3(workerData.file, { readonly: workerData.readonly });
sqlite.exec(workerData.pragmas.map((pragma) => 'pragma ' + pragma).join(';'));
const statements = new Map();
parentPort.on('message', ({ id, sql, parameters }) => {
  try {
    let statement = statements.get(sql);
    if (!statement) {
      statement = sqlite.prepare(sql);
      statements.set(sql, statement);
    }
    const started = performance.now();
    if (statement.reader) {
      const rows = statement.all(...parameters);
      parentPort.postMessage({ id, rows, ms: performance.now() - started });
    } else {
      const { changes, lastInsertRowid } = statement.run(...parameters);
      parentPort.postMessage({ id, changes, lastInsertRowid, ms: performance.now() - started });
    }
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});
`;

/** What one statement did: its rows (a query), or how many rows it changed (any other statement). */
export interface StatementResult {
  rows: unknown[];
  changes?: number;
  lastInsertRowid?: number | bigint;
  /** How long the statement ran, its wait in the thread's queue not included. */
  ms: number;
}

interface Answer extends Partial<StatementResult> {
  id: number;
  error?: { message: string; code?: string };
}

export interface SqliteThread {
  run(sql: string, parameters: readonly unknown[]): Promise<StatementResult>;
  close(): Promise<void>;
}

/**
 * Statements run on a worker thread's own connection to `file`, one at a time, in the order they were sent:
 * better-sqlite3 is synchronous, so on the main thread each statement holds every other request while it
 * runs; here the event loop serves them meanwhile, on the other core. A thread that fails is replaced on the
 * next statement; the statements it held fail (and their requests with them).
 */
export function sqliteThread(file: string, options: { readonly: boolean; pragmas: string[] }): SqliteThread {
  let thread: Worker | undefined;
  let lastId = 0;
  const waiting = new Map<number, { resolve(answer: StatementResult): void; reject(error: Error): void }>();
  let drained: (() => void) | undefined;

  const failAll = (error: Error) => {
    for (const { reject } of waiting.values()) reject(error);
    waiting.clear();
    drained?.();
  };
  const start = () => {
    const started = new Worker(THREAD_SOURCE, {
      eval: true,
      workerData: { file, readonly: options.readonly, pragmas: options.pragmas },
    });
    // Idle, it must not keep the process alive; a statement in flight does (see run()).
    started.unref();
    started.on('message', ({ id, error, rows, ...result }: Answer) => {
      const statement = waiting.get(id);
      waiting.delete(id);
      if (waiting.size === 0) {
        started.unref();
        drained?.();
      }
      if (error) statement?.reject(Object.assign(new Error(error.message), { code: error.code }));
      else statement?.resolve({ ms: 0, ...result, rows: rows ?? [] });
    });
    started.on('error', (error) => {
      if (thread === started) thread = undefined;
      failAll(error);
    });
    started.on('exit', (code) => {
      if (thread === started) thread = undefined;
      failAll(new Error(`the SQLite thread exited (code ${code})`));
    });
    return started;
  };

  return {
    run: (sql, parameters) =>
      new Promise<StatementResult>((resolve, reject) => {
        const current = (thread ??= start());
        const id = (lastId += 1);
        waiting.set(id, { resolve, reject });
        current.ref();
        current.postMessage({ id, sql, parameters });
      }),
    /** Stops the thread once the statements sent have finished (a write in flight is not cut short). */
    async close() {
      if (waiting.size > 0) await new Promise<void>((resolve) => (drained = resolve));
      const current = thread;
      thread = undefined;
      await current?.terminate();
    },
  };
}
