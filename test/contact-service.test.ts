// The contact service below HTTP, on each backend: the limit is this process's configuration (read once).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../src/errors';
import { ContactSubmission } from '../src/messages/schema';
import { listMessages, submitContactMessage } from '../src/messages/service';
import { validate } from '../src/validation';
import { testBackends, useProcessDatabase } from './support/backends';

process.env.CONTACT_RATE_LIMIT = '2/600';

const message = (name: string) => ({ name, email: 'sender@example.com', message: 'Hello' });
const storedNames = async () => (await listMessages({ limit: 100 })).items.map((stored) => stored.name);

for (const backend of testBackends()) {
  describe(`submitContactMessage on ${backend.name}`, () => {
    useProcessDatabase(backend);

    test('input the schema refuses never reaches the service, so it does not count against the limit', async () => {
      assert.equal(validate(ContactSubmission, { name: '', email: 'x', message: '' }).success, false);
      assert.equal(validate(ContactSubmission, { ...message('n'), website: 7 }).success, false);
      await submitContactMessage(message('Typo 1'), 'typo');
      await submitContactMessage(message('Typo 2'), 'typo');
      assert.deepEqual((await storedNames()).slice(0, 2), ['Typo 2', 'Typo 1']);
    });

    test('a filled honeypot resolves like a success, stores nothing and counts nothing', async () => {
      for (let index = 0; index < 3; index += 1) {
        await submitContactMessage({ ...message('Bot'), website: 'https://spam.example' }, 'bot');
      }
      await submitContactMessage({ ...message('Person'), website: '' }, 'bot');
      const names = await storedNames();
      assert.equal(names.includes('Bot'), false);
      assert.equal(names[0], 'Person');
    });

    test('past the limit: rate_limited with the seconds to wait and the sentence the form shows', async () => {
      await submitContactMessage(message('First'), 'busy');
      await submitContactMessage(message('Second'), 'busy');
      const refused = await submitContactMessage(message('Third'), 'busy').then(
        () => assert.fail('the third message should be refused'),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof DomainError && refused.outcome === 'rate_limited');
      const seconds = refused.retryAfterSeconds ?? 0;
      assert.ok(seconds >= 1 && seconds <= 600, `retry after ${seconds}`);
      assert.equal(
        refused.message,
        `Too many messages; try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      );
      assert.equal((await storedNames()).includes('Third'), false);
      await submitContactMessage(message('Elsewhere'), 'another-client');
    });

    test('a burst from one client: exactly the limit stored, every other one refused, none lost', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, (_, index) => submitContactMessage(message(`Burst ${index}`), 'burst')),
      );
      const accepted = outcomes.flatMap((outcome, index) => (outcome.status === 'fulfilled' ? [index] : []));
      assert.equal(accepted.length, 2, `accepted: ${accepted.join(', ')}`);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') {
          assert.ok(outcome.reason instanceof DomainError && outcome.reason.outcome === 'rate_limited');
        }
      }
      const stored = (await storedNames()).filter((name) => name.startsWith('Burst ')).sort();
      assert.deepEqual(stored, accepted.map((index) => `Burst ${index}`).sort());
    });

    test('a message that arrived in a window counts there, even once a later window has begun', async () => {
      // 2030-03-01T00:00:00Z starts a ten-minute window.
      const windowStart = Date.parse('2030-03-01T00:00:00.000Z');
      const at = (ms: number) => new Date(windowStart + ms);
      await submitContactMessage(message('Early 1'), 'straggler', at(1_000));
      await submitContactMessage(message('Early 2'), 'straggler', at(2_000));
      // The client's first message in the next window, which clears away windows that are over ...
      await submitContactMessage(message('Next window'), 'straggler', at(600_000 + 1_000));
      // ... while its third of the first window, sent in its last moment, was still waiting for the database.
      await assert.rejects(
        submitContactMessage(message('Late'), 'straggler', at(600_000 - 1)),
        (error: unknown) => error instanceof DomainError && error.outcome === 'rate_limited',
      );
      const names = await storedNames();
      assert.deepEqual(
        ['Early 1', 'Early 2', 'Next window', 'Late'].map((name) => names.includes(name)),
        [true, true, true, false],
      );
    });

    test('an IPv6 client is counted by its /64, whichever of its addresses it sends from', async () => {
      await submitContactMessage(message('From ::1'), '2001:db8:6:4::1');
      await submitContactMessage(message('From ::2'), '2001:db8:6:4:0:0:0:2');
      await assert.rejects(
        submitContactMessage(message('From another address'), '2001:DB8:6:4:ffff:1:2:3'),
        (error: unknown) => error instanceof DomainError && error.outcome === 'rate_limited',
      );
      await submitContactMessage(message('Next /64'), '2001:db8:6:5::1');
    });
  });
}
