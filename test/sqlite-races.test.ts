import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { closeDatabase, startDatabase } from '../src/db/database';
import { createPost, readPost } from '../src/posts/service';

// Races where they can happen on SQLite: between processes (the production server's workers), each with its
// own connection to one file. Within one process, statements run one after another on one connection, so
// the same tests in posts.test.ts and rate-limit-repository.test.ts race only on PostgreSQL.

type Outcome = { ok: true; value: number } | { ok: false; outcome: string };

const directory = mkdtempSync(path.join(tmpdir(), 'sqlite-races-'));
const file = path.join(directory, 'app.db');
const RACERS = 6;

/** Starts `RACERS` processes on the file, lets them go at once, and collects what each one got. */
async function race(operation: string, argument: string): Promise<Outcome[]> {
  const racers = Array.from({ length: RACERS }, () => {
    const child = spawn(
      process.execPath,
      [
        '--conditions=react-server',
        '--import',
        'tsx',
        'test/support/sqlite-racer.ts',
        file,
        operation,
        argument,
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    let output = '';
    const ready = new Promise<void>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.startsWith('ready\n')) resolve();
      }),
    );
    const done = new Promise<Outcome>((resolve, reject) =>
      child.on('exit', (code) =>
        code === 0
          ? resolve(JSON.parse(output.split('\n')[1] as string) as Outcome)
          : reject(new Error(output)),
      ),
    );
    return { child, ready, done };
  });
  await Promise.all(racers.map((racer) => racer.ready));
  for (const { child } of racers) child.stdin.end('go\n');
  return Promise.all(racers.map((racer) => racer.done));
}

describe('races between processes on one SQLite file', () => {
  before(() => startDatabase({ kind: 'sqlite', file, synchronous: 'normal' }));
  after(async () => {
    await closeDatabase();
    rmSync(directory, { recursive: true, force: true });
  });

  test('concurrent conditional changes: exactly one wins, the rest are precondition_failed', async () => {
    const { stored } = await createPost({ title: 'Race', body: 'Body', author: null });
    const outcomes = await race('change', String(stored.post.id));
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.ok ? 'changed' : outcome.outcome)).sort(),
      ['changed', ...Array(RACERS - 1).fill('precondition_failed')].sort(),
    );
    assert.equal((await readPost(stored.post.id)).version, 2);
  });

  test('one idempotency key raced: one post, every answer is that post or a conflict', async () => {
    const outcomes = await race('create', `race-${Date.now()}`);
    const ids = new Set(outcomes.flatMap((outcome) => (outcome.ok ? [outcome.value] : [])));
    assert.equal(ids.size, 1, JSON.stringify(outcomes));
    for (const outcome of outcomes) if (!outcome.ok) assert.equal(outcome.outcome, 'conflict');
  });

  test('concurrent rate-limit hits are all counted, none lost or doubled', async () => {
    const outcomes = await race('hit', '');
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.ok ? outcome.value : outcome.outcome)).sort(),
      Array.from({ length: RACERS }, (_, index) => index + 1),
    );
  });
});
