import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { closeDatabase, database, inTransaction, startDatabase } from '../src/db/database';
import { outcomeOf } from '../src/db/errors';
import { healthResponse } from '../src/http/health';
import { testBackends } from './support/backends';

/**
 * PostgreSQL going away in the ways a network does: a connection ended under a transaction, and a server
 * that stops answering without closing anything (a relay between the two, paused).
 */
const backend = testBackends().find((each) => each.name === 'postgres');

describe('PostgreSQL lost', { skip: backend ? false : 'TEST_DATABASE_URL is not set' }, () => {
  const target = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://x');
  const pairs: [net.Socket, net.Socket][] = [];
  let paused = false;
  const relay = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    pairs.push([client, upstream]);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      from.on('data', (chunk) => {
        if (!paused) to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
    }
  });

  before(async () => {
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const settings = backend!.settings();
    assert.equal(settings.kind, 'postgres');
    const url = new URL(settings.url);
    url.hostname = '127.0.0.1';
    url.port = String((relay.address() as net.AddressInfo).port);
    await startDatabase({ ...settings, url: url.toString() });
    database();
  });
  after(async () => {
    // The connection whose query was lost is still borrowed: ended here, it fails, and the pool can close.
    for (const [client, upstream] of pairs) {
      client.destroy();
      upstream.destroy();
    }
    relay.close();
    await closeDatabase();
    await backend!.cleanup();
  });

  test('a connection ended inside a transaction is "unavailable" (a 503), and the next query gets another', async () => {
    const ended = await inTransaction(async (trx) => {
      try {
        await sql`select pg_terminate_backend(pg_backend_pid())`.execute(trx.db);
      } catch (error) {
        // By the time the transaction is rolled back, the connection is closed: the ROLLBACK fails too.
        await new Promise((resolve) => setTimeout(resolve, 200));
        throw error;
      }
    }).catch((error: unknown) => error);
    assert.ok(ended instanceof Error, 'the transaction failed');
    assert.match(String(ended), /terminat/i, 'the error that ended the transaction, not the ROLLBACK’s');
    assert.equal(outcomeOf(ended)?.outcome, 'unavailable', String(ended));
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database());
    assert.deepEqual(rows, [{ one: 1 }]);
  });

  test('health answers 503 within its 2 s when the database stops answering, and 200 once it answers again', async () => {
    assert.equal((await healthResponse()).status, 200);
    paused = true;
    const started = performance.now();
    const response = await healthResponse();
    const waited = performance.now() - started;
    console.info(`[outage] health answered ${response.status} after ${Math.round(waited)} ms`);
    assert.equal(response.status, 503);
    assert.ok(waited < 4_000, `waited ${Math.round(waited)} ms`);
    // What was sent meanwhile is lost, as in a network that dropped it: the next check takes another
    // connection of the pool.
    paused = false;
    assert.equal((await healthResponse()).status, 200);
  });
});
