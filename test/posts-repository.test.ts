import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { HttpError } from '../src/http/problem';
import { PostsRepository } from '../src/posts/repository';
import type { DatabaseHandle } from '../src/db/open';
import { testBackends } from './support/backends';

const rejectsWith = (status: number) => (error: unknown) =>
  error instanceof HttpError && error.status === status;

for (const backend of testBackends()) {
  describe(`PostsRepository on ${backend.name}`, () => {
    let handle: DatabaseHandle;
    let posts: PostsRepository;

    before(async () => {
      handle = await backend.open(backend.settings());
      posts = new PostsRepository(handle.db);
    });
    after(async () => {
      await handle.db.destroy();
      await backend.cleanup();
    });

    test('create returns numbers and ISO timestamps; get reads it back', async () => {
      const { stored, replayed } = await posts.create({ title: 'First', body: 'Body', author: 'ann' });
      assert.equal(replayed, false);
      assert.equal(typeof stored.post.id, 'number');
      assert.equal(stored.version, 1);
      assert.equal(new Date(stored.post.createdAt).toISOString(), stored.post.createdAt);
      assert.deepEqual(await posts.get(stored.post.id), stored);
      assert.equal(await posts.get(987654321), undefined);
    });

    test('list: newest first, keyset pages, author and q filters', async () => {
      const author = `pager-${Date.now()}`;
      const ids: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        ids.push((await posts.create({ title: `Page ${index}`, body: 'x', author })).stored.post.id);
      }
      const first = await posts.list({ limit: 2, author });
      assert.deepEqual(
        first.posts.map((stored) => stored.post.id),
        [ids[4], ids[3]],
      );
      assert.equal(first.hasMore, true);
      const third = await posts.list({ limit: 2, author, beforeId: ids[1] });
      assert.deepEqual(
        third.posts.map((stored) => stored.post.id),
        [ids[0]],
      );
      assert.equal(third.hasMore, false);
    });

    test('q is case-insensitive on both databases, Unicode included, and takes % and _ literally', async () => {
      const word = `Straße${Date.now()}`;
      const { stored } = await posts.create({ title: `ÀÉÎ ${word}`, body: 'b', author: null });
      for (const q of [word.toUpperCase().replace('SS', 'ß'), word.toLowerCase(), 'àéî']) {
        const found = await posts.list({ limit: 10, q });
        assert.ok(
          found.posts.some((item) => item.post.id === stored.post.id),
          `q=${q} should find the post`,
        );
      }
      assert.equal((await posts.list({ limit: 10, q: `${word}%` })).posts.length, 0);
      assert.equal((await posts.list({ limit: 10, q: `Stra_e${Date.now()}` })).posts.length, 0);
    });

    test('update bumps the version; a stale version is a 412 and changes nothing; unknown id is a 404', async () => {
      const { stored } = await posts.create({ title: 'T', body: 'B', author: 'a' });
      const id = stored.post.id;
      const patched = await posts.update(id, { title: 'T2' }, [1]);
      assert.equal(patched.version, 2);
      assert.deepEqual({ ...patched.post, updatedAt: '' }, { ...stored.post, title: 'T2', updatedAt: '' });
      await assert.rejects(posts.update(id, { title: 'lost' }, [1]), rejectsWith(412));
      await assert.rejects(posts.update(id, { title: 'lost' }, []), rejectsWith(412));
      assert.equal((await posts.get(id))?.post.title, 'T2');
      await assert.rejects(posts.update(123456789, { title: 'x' }), rejectsWith(404));
      const cleared = await posts.update(id, { author: null });
      assert.equal(cleared.post.author, null);
    });

    test('concurrent conditional updates: exactly one wins', async () => {
      const { stored } = await posts.create({ title: 'Race', body: 'B', author: null });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) => posts.update(stored.post.id, { title: `W${index}` }, [1])),
      );
      assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
      for (const result of results) {
        if (result.status === 'rejected') assert.ok(rejectsWith(412)(result.reason));
      }
      assert.equal((await posts.get(stored.post.id))?.version, 2);
    });

    test('delete honours versions and 404s afterwards', async () => {
      const { stored } = await posts.create({ title: 'Gone', body: 'B', author: null });
      await assert.rejects(posts.delete(stored.post.id, [7]), rejectsWith(412));
      await posts.delete(stored.post.id, [1]);
      await assert.rejects(posts.delete(stored.post.id), rejectsWith(404));
      assert.equal(await posts.get(stored.post.id), undefined);
    });

    test('idempotency: the same key and request replays, another request with the key is a 422', async () => {
      const key = { key: `k-${Date.now()}`, requestHash: 'hash-a' };
      const first = await posts.create({ title: 'Once', body: 'B', author: null }, key);
      const again = await posts.create({ title: 'Once', body: 'B', author: null }, key);
      assert.equal(again.replayed, true);
      assert.deepEqual(again.stored, first.stored);
      await assert.rejects(
        posts.create({ title: 'Other', body: 'B', author: null }, { ...key, requestHash: 'hash-b' }),
        rejectsWith(422),
      );
    });

    test('idempotency under concurrency: one post, every answer is the post or a 409', async () => {
      const key = { key: `race-${Date.now()}`, requestHash: 'same' };
      const title = `Racing ${Date.now()}`;
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => posts.create({ title, body: 'B', author: null }, key)),
      );
      const ids = new Set<number>();
      for (const result of results) {
        if (result.status === 'fulfilled') ids.add(result.value.stored.post.id);
        else assert.ok(rejectsWith(409)(result.reason), String(result.reason));
      }
      assert.equal(ids.size, 1);
      const listed = await posts.list({ limit: 100, q: title });
      assert.equal(listed.posts.length, 1);
    });
  });
}
