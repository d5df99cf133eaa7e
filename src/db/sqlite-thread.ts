import { Worker } from 'node:worker_threads';

/**
 * The worker thread's code, plain CommonJS given as text: `next build` bundles the service's modules, and a
 * worker needs a file or text of its own. better-sqlite3 is found from the working directory, as the server
 * finds the app (server.ts: `dir: process.cwd()`). Statements are prepared once per SQL text and kept (see
 * closedButReferenced in sqlite.ts); the texts come from a fixed set of queries.
 *
 * Group commit: the statements sent `together` (each a transaction of its own, outside any other) that have
 * queued up while the thread was busy run in one transaction, each inside a savepoint so that one that fails
 * undoes only itself, and are answered after its one commit: one disk flush for all of them with
 * `synchronous=FULL`, one search-index segment for all with either setting. None is answered before the
 * commit that makes it durable; if that commit fails, every one of them fails.
 */
const THREAD_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const BetterSqlite3 = require('better-sqlite3');
const sqlite = new BetterSqlite3(workerData.file, { readonly: workerData.readonly });
sqlite.exec(workerData.pragmas.map((pragma) => 'pragma ' + pragma).join(';'));
const statements = new Map();
function prepared(sql) {
  let statement = statements.get(sql);
  if (!statement) {
    statement = sqlite.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
function failure(id, error) {
  return { id, error: { message: String(error && error.message), code: error && error.code } };
}
function execute({ id, sql, parameters }) {
  try {
    const statement = prepared(sql);
    const started = performance.now();
    if (statement.reader) return { id, rows: statement.all(...parameters), ms: performance.now() - started };
    const { changes, lastInsertRowid } = statement.run(...parameters);
    return { id, changes, lastInsertRowid, ms: performance.now() - started };
  } catch (error) {
    return failure(id, error);
  }
}
function executeTogether(group) {
  if (group.length < 2 || sqlite.inTransaction) return group.map(execute);
  const answers = [];
  try {
    prepared('begin immediate').run();
    for (const message of group) {
      prepared('savepoint together').run();
      const answer = execute(message);
      if (answer.error) prepared('rollback to together').run();
      prepared('release together').run();
      answers.push(answer);
    }
    prepared('commit').run();
    return answers;
  } catch (error) {
    if (sqlite.inTransaction) prepared('rollback').run();
    return group.map(({ id }) => failure(id, error));
  }
}
parentPort.on('message', (first) => {
  const queued = [first];
  for (let next = receiveMessageOnPort(parentPort); next; next = receiveMessageOnPort(parentPort)) {
    queued.push(next.message);
  }
  const answers = [];
  let group = [];
  for (const message of queued) {
    if (message.together) {
      group.push(message);
      continue;
    }
    answers.push(...executeTogether(group), execute(message));
    group = [];
  }
  answers.push(...executeTogether(group));
  const inTransaction = sqlite.inTransaction;
  parentPort.postMessage(answers.map((answer) => ({ ...answer, inTransaction })));
});
`;

/** What one statement did: its rows (a query), or how many rows it changed (any other statement). */
export interface StatementResult {
  rows: unknown[];
  changes?: number;
  lastInsertRowid?: number | bigint;
  /** How long the statement ran, its wait in the thread's queue not included. */
  ms: number;
  /** Whether the thread's connection is inside a transaction after it. */
  inTransaction: boolean;
}

interface Answer extends Partial<StatementResult> {
  id: number;
  error?: { message: string; code?: string };
}

export interface SqliteThread {
  /** Runs a statement; `together`: it may share a commit with others sent so (see THREAD_SOURCE). */
  run(sql: string, parameters: readonly unknown[], together?: boolean): Promise<StatementResult>;
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
    started.on('message', (answers: Answer[]) => {
      for (const { id, error, rows, ...result } of answers) {
        const statement = waiting.get(id);
        waiting.delete(id);
        if (error) {
          const failed = Object.assign(new Error(error.message), {
            code: error.code,
            inTransaction: result.inTransaction,
          });
          statement?.reject(failed);
        } else {
          statement?.resolve({ ms: 0, ...result, rows: rows ?? [], inTransaction: !!result.inTransaction });
        }
      }
      if (waiting.size === 0) {
        started.unref();
        drained?.();
      }
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
    run: (sql, parameters, together = false) =>
      new Promise<StatementResult>((resolve, reject) => {
        const current = (thread ??= start());
        const id = (lastId += 1);
        waiting.set(id, { resolve, reject });
        current.ref();
        current.postMessage({ id, sql, parameters, together });
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
