import { Worker } from 'node:worker_threads';

/**
 * The worker thread's code, plain CommonJS given as text: `next build` bundles the service's modules, and a
 * worker needs a file or text of its own. better-sqlite3 is found from the working directory, as the server
 * finds the app (server.ts: `dir: process.cwd()`). Statements are prepared once per SQL text and kept (see
 * closedButReferenced in sqlite.ts); the texts come from a fixed set of queries.
 *
 * Group commit (`groupCommit`): the statements that queued up while the thread was busy run in one
 * transaction, each inside a savepoint so that one that fails undoes only itself, and are answered after its
 * one commit: one disk flush for all of them with `synchronous=FULL`, one search-index segment for all with
 * either setting. None is answered before the commit that makes it durable; if that commit fails, every one
 * of them fails.
 *
 * `writeLock` (an Int32Array of 2 on shared memory: [0] 0 free, 1 this thread's, 2 the main thread's; [1] 1
 * while the main thread waits for it) is held while statements run, so that the main thread's transactions
 * (see sqlite.ts) take turns with them rather than wait for SQLite's lock, whose busy handler sleeps.
 */
const THREAD_SOURCE = `
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const BetterSqlite3 = require('better-sqlite3');
const { file, readonly, pragmas, groupCommit, writeLock } = workerData;
// Thrown at the start, better-sqlite3's own error class reaches the main thread without its message: a plain
// Error with its code does not.
function opened() {
  try {
    const sqlite = new BetterSqlite3(file, { readonly });
    sqlite.exec(pragmas.map((pragma) => 'pragma ' + pragma).join(';'));
    return sqlite;
  } catch (error) {
    throw Object.assign(new Error(String(error && error.message)), { code: error && error.code });
  }
}
const sqlite = opened();
const statements = new Map();
// A query's rows go back as arrays with its column names, and the main thread makes the objects (rowsOf):
// objects copied between threads would be rebuilt there property by property.
function prepared(sql) {
  let statement = statements.get(sql);
  if (!statement) {
    statement = sqlite.prepare(sql);
    if (statement.reader) statement.raw(true);
    statements.set(sql, statement);
  }
  return statement;
}
function failure(id, error) {
  return { id, error: { message: String(error && error.message), code: error && error.code } };
}
function runStatement({ sql, parameters }) {
  const statement = prepared(sql);
  // The names are asked each time (~4 µs): a statement that SQLite prepares again after another connection
  // changed the schema may have other columns than it had.
  if (statement.reader) {
    const rows = statement.all(...parameters);
    return { rows, columns: statement.columns().map((column) => column.name) };
  }
  const { changes, lastInsertRowid } = statement.run(...parameters);
  return { changes, lastInsertRowid };
}
// A message is one statement, or a unit: statements that stand or fall together (run inside a transaction or
// a savepoint, see executeTogether), answered with each one's result.
function execute(message) {
  try {
    const started = performance.now();
    if (message.unit) return { id: message.id, results: message.unit.map(runStatement), ms: performance.now() - started };
    return { id: message.id, ...runStatement(message), ms: performance.now() - started };
  } catch (error) {
    return failure(message.id, error);
  }
}
function executeTogether(group) {
  if (group.length < 2 && !group[0].unit) return group.map(execute);
  const answers = [];
  try {
    prepared('begin immediate').run();
    for (const message of group) {
      prepared('savepoint together').run();
      const answer = execute(message);
      if (answer.error && !sqlite.inTransaction) {
        // SQLite rolled back the whole transaction (a full disk, an I/O error): none of the group is
        // committed, and each is told why.
        return group.map(({ id }) => ({ id, error: answer.error }));
      }
      if (answer.error) prepared('rollback to together').run();
      prepared('release together').run();
      answers.push(answer);
    }
    prepared('commit').run();
    return answers;
  } catch (error) {
    try {
      if (sqlite.inTransaction) prepared('rollback').run();
    } catch {
      // Nothing more to undo: SQLite ends a transaction it cannot roll back.
    }
    return group.map(({ id }) => failure(id, error));
  }
}
// The main thread, waiting for its turn (writeLock[1] = 1), goes first: the thread waits for it a moment.
function takeWriteLock() {
  if (!writeLock) return;
  if (Atomics.load(writeLock, 1) === 1) Atomics.wait(writeLock, 1, 1, 100);
  while (Atomics.compareExchange(writeLock, 0, 0, 1) !== 0) Atomics.wait(writeLock, 0, 2, 100);
}
function releaseWriteLock() {
  if (!writeLock) return;
  Atomics.store(writeLock, 0, 0);
  Atomics.notify(writeLock, 0);
}
parentPort.on('message', (first) => {
  const queued = [first];
  if (groupCommit) {
    for (let next = receiveMessageOnPort(parentPort); next; next = receiveMessageOnPort(parentPort)) {
      queued.push(next.message);
    }
  }
  takeWriteLock();
  let answers;
  try {
    answers = groupCommit ? executeTogether(queued) : queued.map(execute);
  } finally {
    releaseWriteLock();
  }
  parentPort.postMessage(answers);
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

export interface Statement {
  sql: string;
  parameters: readonly unknown[];
}

/** What the thread sends back: a query's rows as arrays, in the order of `columns`. */
interface ThreadResult {
  rows?: unknown[][];
  columns?: string[];
  changes?: number;
  lastInsertRowid?: number | bigint;
}

interface Answer extends ThreadResult {
  id: number;
  ms?: number;
  /** A unit's statements' results, in order. */
  results?: ThreadResult[];
  error?: { message: string; code?: string };
}

export interface SqliteThreadOptions {
  readonly: boolean;
  pragmas: string[];
  /** Whether statements that queue up share one commit (see THREAD_SOURCE). */
  groupCommit?: boolean;
  /** Taken while statements run (see THREAD_SOURCE). */
  writeLock?: Int32Array;
}

export interface SqliteThread {
  run(sql: string, parameters: readonly unknown[]): Promise<StatementResult>;
  /**
   * Statements that stand or fall together: in one transaction of their own, or in a savepoint of the group
   * they are committed with (so only with `groupCommit`). If one fails, none of them is kept.
   */
  runTogether(statements: readonly Statement[]): Promise<StatementResult[]>;
  close(): Promise<void>;
}

type RowMaker = (row: unknown[]) => Record<string, unknown>;
const rowMakers = new Map<string, RowMaker>();

/**
 * A query's rows as objects, made from the arrays the thread sent. The object literal is generated once per
 * list of columns, so every row of a query gets the same shape at once; the set of lists is bounded, as the
 * set of SQL texts is (see sqlite.ts).
 */
function rowsOf(rows: unknown[][], columns: string[]): Record<string, unknown>[] {
  const key = columns.join('\0');
  let make = rowMakers.get(key);
  if (!make) {
    const fields = columns.map((name, index) => `${JSON.stringify(name)}: row[${index}]`).join(', ');
    make = new Function('row', `return { ${fields} };`) as RowMaker;
    rowMakers.set(key, make);
  }
  return rows.map(make);
}

/**
 * Statements run on a worker thread's own connection to `file`, in the order they were sent: better-sqlite3
 * is synchronous, so on the main thread each statement holds every other request while it runs; here the
 * event loop serves them meanwhile, on the other core. A thread that fails is replaced on the next statement;
 * the statements it held fail (and their requests with them).
 */
export function sqliteThread(file: string, options: SqliteThreadOptions): SqliteThread {
  type Waiting = Map<number, { resolve(answer: Answer): void; reject(error: Error): void }>;
  let current: { worker: Worker; waiting: Waiting } | undefined;
  let lastId = 0;
  let draining: Promise<void> | undefined;
  let drained: (() => void) | undefined;

  const start = () => {
    const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { file, ...options } });
    // Statements in flight are this thread's alone: a thread that ends fails its own, never its successor's.
    const started = { worker, waiting: new Map() as Waiting };
    // Idle, it must not keep the process alive; a statement in flight does (see run()).
    worker.unref();
    worker.on('message', (answers: Answer[]) => {
      for (const answer of answers) {
        const statement = started.waiting.get(answer.id);
        started.waiting.delete(answer.id);
        const { error } = answer;
        if (error) statement?.reject(Object.assign(new Error(error.message), { code: error.code }));
        else statement?.resolve(answer);
      }
      if (started.waiting.size === 0) {
        worker.unref();
        if (started === current) drained?.();
      }
    });
    // An error ends the thread: it is reported, then 'exit' follows, which fails what it held with it (its
    // code kept: a database busy at the thread's start is a 503 like any other).
    let failure: (Error & { code?: string }) | undefined;
    worker.on('error', (error) => {
      failure = error;
      console.error('[db] the SQLite thread failed:', error);
    });
    worker.on('exit', (code) => {
      if (current === started) current = undefined;
      // A thread that died holding the write lock must not keep it (only this thread can hold it as 1:
      // its successor starts after this exit), and a transaction waiting for it goes on.
      if (options.writeLock && Atomics.compareExchange(options.writeLock, 0, 1, 0) === 1) {
        Atomics.notify(options.writeLock, 0);
      }
      const error = Object.assign(new Error(`the SQLite thread exited (code ${code})`), {
        cause: failure,
        // What was held may or may not have been committed: the database was unavailable to it (a 503).
        code: failure?.code ?? 'SQLITE_THREAD_EXITED',
      });
      for (const { reject } of started.waiting.values()) reject(error);
      started.waiting.clear();
      drained?.();
    });
    return started;
  };

  const send = (message: Statement | { unit: readonly Statement[] }) =>
    new Promise<Answer>((resolve, reject) => {
      if (draining) {
        reject(Object.assign(new Error('the database is closing'), { code: 'SQLITE_BUSY' }));
        return;
      }
      const thread = (current ??= start());
      const id = (lastId += 1);
      try {
        // Throws for a parameter that cannot be copied to the thread: then nothing waits for an answer.
        thread.worker.postMessage({ id, ...message });
      } catch (error) {
        reject(error);
        return;
      }
      thread.waiting.set(id, { resolve, reject });
      thread.worker.ref();
    });
  const result = ({ rows, columns, changes, lastInsertRowid }: ThreadResult) => ({
    rows: rows && columns ? rowsOf(rows, columns) : [],
    changes,
    lastInsertRowid,
  });

  return {
    run: async (sql, parameters) => {
      const answer = await send({ sql, parameters });
      return { ...result(answer), ms: answer.ms ?? 0 };
    },
    runTogether: async (unit) => {
      if (!options.groupCommit)
        throw new Error('statements run together only on a thread that groups commits');
      const answer = await send({ unit });
      return (answer.results ?? []).map((each) => ({ ...result(each), ms: 0 }));
    },
    /** Stops the thread once the statements sent have finished (a write in flight is not cut short). */
    close() {
      draining ??= (async () => {
        if (current && current.waiting.size > 0) await new Promise<void>((resolve) => (drained = resolve));
        const thread = current;
        current = undefined;
        await thread?.worker.terminate();
      })();
      return draining;
    },
  };
}
