// The contact service end to end below HTTP, on a SQLite file of its own: this process's configuration
// (read once, from the environment) points at it. The repositories it uses are tested on both databases.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { database } from '../src/db/client';
import { HttpError } from '../src/http/problem';
import { ContactSubmission } from '../src/messages/schema';
import { submitContactMessage } from '../src/messages/service';
import { parseBody } from '../src/validation';
import { messagesRepository } from '../src/repositories';

const directory = mkdtempSync(path.join(tmpdir(), 'contact-service-'));
process.env.DATABASE_URL = `file:${path.join(directory, 'app.db')}`;
process.env.CONTACT_RATE_LIMIT = '2/600';

const message = (name: string) => ({ name, email: 'sender@example.com', message: 'Hello' });
const storedNames = async () =>
  (await (await messagesRepository()).list({ limit: 100 })).messages.map((stored) => stored.name);
const rejectsWith = (status: number) => (error: unknown) =>
  error instanceof HttpError && error.status === status;

describe('submitContactMessage', () => {
  after(async () => {
    await (await database()).db.destroy();
    rmSync(directory, { recursive: true, force: true });
  });

  test('input that fails the schema never reaches the service, so it does not count against the limit', async () => {
    assert.throws(
      () => parseBody(ContactSubmission, { name: '', email: 'x', message: '' }),
      rejectsWith(422),
    );
    assert.throws(() => parseBody(ContactSubmission, { ...message('n'), website: 7 }), rejectsWith(422));
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

  test('past the limit: 429 with Retry-After and the sentence the form shows; other clients unaffected', async () => {
    await submitContactMessage(message('First'), 'busy');
    await submitContactMessage(message('Second'), 'busy');
    const refused = await submitContactMessage(message('Third'), 'busy').then(
      () => assert.fail('the third message should be refused'),
      (error: unknown) => error,
    );
    assert.ok(rejectsWith(429)(refused));
    const { message: detail, headers } = refused as HttpError;
    const seconds = Number(new Headers(headers).get('retry-after'));
    assert.ok(seconds >= 1 && seconds <= 600, `Retry-After: ${seconds}`);
    assert.equal(detail, `Too many messages; try again in ${seconds} second${seconds === 1 ? '' : 's'}.`);
    assert.equal((await storedNames()).includes('Third'), false);
    await submitContactMessage(message('Elsewhere'), 'another-client');
  });
});
