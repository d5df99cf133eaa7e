import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { MIGRATIONS } from '../src/db/migrations';
import { MessagesRepository } from '../src/messages/repository';
import { testBackends } from './support/backends';

const run = promisify(execFile);

for (const backend of testBackends()) {
  describe(`database on ${backend.name}`, () => {
    after(() => backend.cleanup());

    test('processes that start together apply each migration exactly once', async () => {
      const settings = backend.settings();
      const opens = await Promise.all(
        Array.from({ length: 4 }, () =>
          run(process.execPath, [
            '--import',
            'tsx',
            'test/support/open-database.ts',
            JSON.stringify(settings),
          ]),
        ),
      );
      const applied = opens.flatMap(({ stdout }) => JSON.parse(stdout) as number[]).sort((a, b) => a - b);
      assert.deepEqual(
        applied,
        MIGRATIONS.map((migration) => migration.version),
      );
      // Reopening finds nothing to do.
      const again = await backend.open(settings);
      assert.deepEqual(again.applied, []);
      const rows = await again.db.selectFrom('schema_migrations').selectAll().execute();
      assert.equal(rows.length, MIGRATIONS.length);
      await again.db.destroy();
    });

    test('messages: stored, listed newest first with numeric ids, paged by id', async () => {
      const handle = await backend.open(backend.settings());
      const messages = new MessagesRepository(handle.db);
      const first = await messages.create({ name: 'Ann', email: 'ann@example.com', message: 'One' });
      const second = await messages.create({ name: 'Bob', email: 'bob@example.com', message: 'Two' });
      assert.equal(typeof first.id, 'number');
      const page = await messages.list({ limit: 1 });
      assert.deepEqual(page, { messages: [second], hasMore: true });
      assert.deepEqual(await messages.list({ limit: 5, beforeId: second.id }), {
        messages: [first],
        hasMore: false,
      });
      await handle.db.destroy();
    });
  });
}
