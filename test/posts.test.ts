import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError, type Outcome } from '../src/errors';
import { posts } from '../src/posts/repository';
import {
  changePost,
  createPost,
  deletePost,
  IDEMPOTENCY_KEY_LIFETIME_MS,
  listPosts,
  readPost,
} from '../src/posts/service';
import { testBackends, useProcessDatabase } from './support/backends';

const failsWith = (outcome: Outcome) => (error: unknown) =>
  error instanceof DomainError && error.outcome === outcome;
const input = (title: string, author: string | null = null) => ({ title, body: 'Body', author });

for (const backend of testBackends()) {
  describe(`posts on ${backend.name}`, () => {
    useProcessDatabase(backend);

    test('create returns numbers and ISO timestamps; read gets it back; an unknown id is not_found', async () => {
      const { stored, replayed } = await createPost(input('First', 'ann'));
      assert.equal(replayed, false);
      assert.equal(typeof stored.post.id, 'number');
      assert.equal(stored.version, 1);
      assert.equal(new Date(stored.post.createdAt).toISOString(), stored.post.createdAt);
      assert.deepEqual(await readPost(stored.post.id), stored);
      await assert.rejects(readPost(987654321), failsWith('not_found'));
    });

    test('list: newest first, keyset pages, the author filter', async () => {
      const author = `pager-${Date.now()}`;
      const ids: number[] = [];
      for (let index = 0; index < 5; index += 1)
        ids.push((await createPost(input(`Page ${index}`, author))).stored.post.id);
      const first = await listPosts({ limit: 2, author });
      assert.deepEqual(
        first.items.map((stored) => stored.post.id),
        [ids[4], ids[3]],
      );
      assert.equal(first.hasMore, true);
      const last = await listPosts({ limit: 2, author, beforeId: ids[1] });
      assert.deepEqual(
        last.items.map((stored) => stored.post.id),
        [ids[0]],
      );
      assert.equal(last.hasMore, false);
    });

    test('q is case-insensitive on both databases, Unicode included, and takes % and _ literally', async () => {
      const word = `Straße${Date.now()}`;
      const { stored } = await createPost(input(`ÀÉÎ ${word}`));
      for (const q of [word.toUpperCase().replace('SS', 'ß'), word.toLowerCase(), 'àéî']) {
        const found = await listPosts({ limit: 10, q });
        assert.ok(
          found.items.some((item) => item.post.id === stored.post.id),
          `q=${q} should find the post`,
        );
      }
      assert.equal((await listPosts({ limit: 10, q: `${word}%` })).items.length, 0);
      assert.equal((await listPosts({ limit: 10, q: `Stra_e${Date.now()}` })).items.length, 0);
    });

    test('a change bumps the version; a stale version is precondition_failed and changes nothing', async () => {
      const { stored } = await createPost(input('T', 'a'));
      const id = stored.post.id;
      const patched = await changePost(id, { title: 'T2' }, { accepted: [1] });
      assert.equal(patched.version, 2);
      assert.deepEqual({ ...patched.post, updatedAt: '' }, { ...stored.post, title: 'T2', updatedAt: '' });
      await assert.rejects(
        changePost(id, { title: 'lost' }, { accepted: [1] }),
        failsWith('precondition_failed'),
      );
      await assert.rejects(
        changePost(id, { title: 'lost' }, { accepted: [] }),
        failsWith('precondition_failed'),
      );
      assert.equal((await readPost(id)).post.title, 'T2');
      await assert.rejects(changePost(123456789, { title: 'x' }), failsWith('not_found'));
      for (const beyond of [2 ** 53 + 2, Number.MAX_VALUE]) {
        await assert.rejects(readPost(beyond), failsWith('not_found'));
        await assert.rejects(changePost(beyond, { title: 'x' }), failsWith('not_found'));
        await assert.rejects(deletePost(beyond), failsWith('not_found'));
      }
      await assert.rejects(changePost(123456789, { title: 'x' }, { accepted: [1] }), failsWith('not_found'));
      assert.equal((await changePost(id, { author: null })).post.author, null);
    });

    test('If-None-Match on a write: a refused version, or `*` for a post that exists, changes nothing', async () => {
      const { stored } = await createPost(input('T', 'a'));
      const id = stored.post.id;
      await assert.rejects(
        changePost(id, { title: 'lost' }, { refused: [1] }),
        failsWith('precondition_failed'),
      );
      await assert.rejects(
        changePost(id, { title: 'lost' }, { refused: '*' }),
        failsWith('precondition_failed'),
      );
      await assert.rejects(
        changePost(id, { title: 'lost' }, { accepted: [1], refused: [1] }),
        failsWith('precondition_failed'),
      );
      await assert.rejects(deletePost(id, { refused: [3, 1] }), failsWith('precondition_failed'));
      await assert.rejects(deletePost(id, { refused: '*' }), failsWith('precondition_failed'));
      assert.deepEqual(await readPost(id), stored);
      assert.equal((await changePost(id, { title: 'T2' }, { refused: [2] })).post.title, 'T2');
      await assert.rejects(changePost(123456789, { title: 'x' }, { refused: '*' }), failsWith('not_found'));
      await deletePost(id, { accepted: [2], refused: [1] });
      await assert.rejects(readPost(id), failsWith('not_found'));
    });

    test('delete honours versions, and is not_found afterwards', async () => {
      const { stored } = await createPost(input('Gone'));
      await assert.rejects(deletePost(stored.post.id, { accepted: [7] }), failsWith('precondition_failed'));
      await deletePost(stored.post.id, { accepted: [1] });
      await assert.rejects(deletePost(stored.post.id), failsWith('not_found'));
      assert.equal(await posts.get(stored.post.id), undefined);
    });

    test('idempotency: the same key and input replay the first response; another input is invalid', async () => {
      const key = `k-${Date.now()}`;
      const first = await createPost(input('Once'), key);
      const again = await createPost(input('Once'), key);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.stored, first.stored);
      // Every field of the validated input counts, the author too.
      await assert.rejects(createPost(input('Once', 'someone'), key), failsWith('invalid'));
      await assert.rejects(createPost(input('Other'), key), failsWith('invalid'));
    });

    test('idempotency after a change replays the response as it was; after a delete it is gone', async () => {
      const changedKey = `changed-${Date.now()}`;
      const created = await createPost(input('Before'), changedKey);
      await changePost(created.stored.post.id, { title: 'After' }, undefined);
      const replay = await createPost(input('Before'), changedKey);
      assert.deepEqual(replay, { stored: created.stored, replayed: true });

      const deletedKey = `deleted-${Date.now()}`;
      const doomed = await createPost(input('Doomed'), deletedKey);
      await deletePost(doomed.stored.post.id);
      await assert.rejects(createPost(input('Doomed'), deletedKey), failsWith('gone'));
    });

    test('an idempotency key is remembered for its lifetime, then a new post is created', async () => {
      const key = `expiring-${Date.now()}`;
      const created = new Date('2031-05-01T12:00:00.000Z');
      const first = await createPost(input('Expiring'), key, created);
      const withinLifetime = new Date(created.getTime() + IDEMPOTENCY_KEY_LIFETIME_MS - 1000);
      assert.equal((await createPost(input('Expiring'), key, withinLifetime)).replayed, true);
      const afterLifetime = new Date(created.getTime() + IDEMPOTENCY_KEY_LIFETIME_MS + 1000);
      const later = await createPost(input('Expiring'), key, afterLifetime);
      assert.equal(later.replayed, false);
      assert.notEqual(later.stored.post.id, first.stored.post.id);
    });

    // On SQLite every statement of a process runs on one connection, one after another: nothing can race
    // there. PostgreSQL's pool runs these at once.
    const racing = {
      skip:
        backend.name === 'sqlite' &&
        'one SQLite connection cannot race itself; sqlite-races.test.ts races processes',
    };

    test(
      'concurrent conditional changes: exactly one wins, the rest are precondition_failed',
      racing,
      async () => {
        const { stored } = await createPost(input('Race'));
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, index) =>
            changePost(stored.post.id, { title: `W${index}` }, { accepted: [1] }),
          ),
        );
        assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
        for (const result of results) {
          if (result.status === 'rejected') assert.ok(failsWith('precondition_failed')(result.reason));
        }
        assert.equal((await readPost(stored.post.id)).version, 2);
      },
    );

    test('one idempotency key raced: one post, every answer is that post or a conflict', racing, async () => {
      const key = `race-${Date.now()}`;
      const title = `Racing ${Date.now()}`;
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => createPost(input(title), key)),
      );
      const ids = new Set<number>();
      for (const result of results) {
        if (result.status === 'fulfilled') ids.add(result.value.stored.post.id);
        else assert.ok(failsWith('conflict')(result.reason), String(result.reason));
      }
      assert.equal(ids.size, 1);
      assert.equal((await listPosts({ limit: 100, q: title })).items.length, 1);
    });
  });
}
