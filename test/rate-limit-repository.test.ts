import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { database, queries } from '../src/db/database';
import { prepared } from '../src/db/prepared';
import { rateLimits as limits } from '../src/rate-limit/repository';
import { testBackends, useProcessDatabase } from './support/backends';

const rule = { limit: 3, windowSeconds: 600 };
/** 10:02:30 UTC: 150 seconds into the 10:00 ten-minute window. */
const inWindow = new Date('2030-01-01T10:02:30.000Z');

for (const backend of testBackends()) {
  describe(`RateLimitRepository on ${backend.name}`, () => {
    useProcessDatabase(backend);

    test('a write that should go with an allowed count but changes nothing is an error, not a success', async () => {
      const writesNothing = prepared((db) =>
        db
          .insertInto('contact_messages')
          .columns(['name', 'email', 'message', 'created_at'])
          .expression(
            db
              .selectFrom('contact_messages')
              .select(['name', 'email', 'message', 'created_at'])
              .where('id', '<', 0),
          )
          .returning('id'),
      );
      await assert.rejects(
        limits.hit('nothing', rule, inWindow, () => writesNothing(queries(), {})),
        /allowed the request, but its write changed nothing/,
      );
    });

    test('counts per bucket up to the limit, then refuses until the window ends', async () => {
      const verdicts = [];
      for (let index = 0; index < 5; index += 1) verdicts.push(await limits.hit('a', rule, inWindow));
      assert.deepEqual(
        verdicts.map(({ allowed, hits }) => ({ allowed, hits })),
        [
          { allowed: true, hits: 1 },
          { allowed: true, hits: 2 },
          { allowed: true, hits: 3 },
          { allowed: false, hits: 4 },
          { allowed: false, hits: 5 },
        ],
      );
      // 450 seconds are left of the 10:00–10:10 window.
      assert.equal(verdicts[4]?.retryAfterSeconds, 450);
      assert.deepEqual(await limits.hit('b', rule, inWindow), {
        allowed: true,
        hits: 1,
        retryAfterSeconds: 450,
        windowStart: new Date('2030-01-01T10:00:00.000Z'),
      });
      const nextWindow = new Date('2030-01-01T10:10:00.000Z');
      assert.deepEqual(await limits.hit('a', rule, nextWindow), {
        allowed: true,
        hits: 1,
        retryAfterSeconds: 600,
        windowStart: nextWindow,
      });
    });

    test('Retry-After rounds up and is never 0', async () => {
      const lastMoment = new Date('2030-01-01T10:09:59.999Z');
      assert.equal((await limits.hit('edge', rule, lastMoment)).retryAfterSeconds, 1);
      const partway = new Date('2030-01-01T10:05:00.250Z');
      assert.equal((await limits.hit('edge', rule, partway)).retryAfterSeconds, 300);
    });

    test(
      'concurrent hits are all counted, none lost or doubled',
      {
        skip:
          backend.name === 'sqlite' &&
          'one SQLite connection cannot race itself; sqlite-races.test.ts races processes',
      },
      async () => {
        const at = new Date('2030-01-02T08:00:01.000Z');
        const verdicts = await Promise.all(Array.from({ length: 12 }, () => limits.hit('burst', rule, at)));
        assert.deepEqual(
          verdicts.map((verdict) => verdict.hits).sort((a, b) => a - b),
          Array.from({ length: 12 }, (_, index) => index + 1),
        );
        assert.equal(verdicts.filter((verdict) => verdict.allowed).length, rule.limit);
      },
    );

    test('windows that ended well before a given one are deleted, of every bucket; the one just before is kept', async () => {
      const windowOf = (bucket: string) =>
        database()
          .selectFrom('rate_limit_hits')
          .select('window_start')
          .where('bucket', '=', bucket)
          .execute()
          .then((rows) => rows.map((row) => row.window_start));
      await limits.hit('old', rule, new Date('2030-02-01T00:00:00.000Z'));
      await limits.hit('previous', rule, new Date('2030-02-01T00:10:00.000Z'));
      const current = await limits.hit('current', rule, new Date('2030-02-01T00:20:00.000Z'));
      await limits.deleteFinishedWindows(current.windowStart, rule);
      assert.deepEqual(await windowOf('old'), []);
      // A request that arrived in it may still be on its way to the database.
      assert.deepEqual(await windowOf('previous'), ['2030-02-01T00:10:00.000Z']);
      assert.deepEqual(await windowOf('current'), ['2030-02-01T00:20:00.000Z']);
    });
  });
}
