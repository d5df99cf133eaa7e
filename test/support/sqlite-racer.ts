// Run as a child process by sqlite-races.test.ts: one process of several on one SQLite file, as the
// production server's workers are (WEB_CONCURRENCY). Opens the database, says "ready", waits for "go" on
// stdin so that every process starts at once, runs one operation and prints its outcome as JSON.
import { closeDatabase, startDatabase } from '../../src/db/database';
import { outcomeOf } from '../../src/db/errors';
import { changePost, createPost } from '../../src/posts/service';
import { rateLimits } from '../../src/rate-limit/repository';

const [file, operation, argument = ''] = process.argv.slice(2) as [string, string, string?];

const operations: Record<string, () => Promise<unknown>> = {
  change: async () =>
    (await changePost(Number(argument), { title: `W${process.pid}` }, { accepted: [1] })).version,
  create: async () =>
    (await createPost({ title: argument, body: 'Body', author: null }, argument)).stored.post.id,
  hit: async () =>
    (await rateLimits.hit('burst', { limit: 3, windowSeconds: 600 }, new Date('2030-01-02T08:00:01.000Z')))
      .hits,
};

// A CommonJS module here (no top-level await).
void (async () => {
  await startDatabase({ kind: 'sqlite', file, synchronous: 'normal' });
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  let result: unknown;
  try {
    result = { ok: true, value: await (operations[operation] as () => Promise<unknown>)() };
  } catch (error) {
    result = { ok: false, outcome: outcomeOf(error)?.outcome ?? String(error) };
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await closeDatabase();
})();
