import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { closeDatabase, database, inTransaction, queries, startDatabase } from '../src/db/database';
import { outcomeOf } from '../src/db/errors';
import { healthResponse } from '../src/http/health';
import { testBackends } from './support/backends';

/**
 * PostgreSQL going away in the ways a network does: a connection ended under a transaction, and a server
 * that stops answering without closing anything (a relay between the two, paused).
 */
const backend = testBackends().find((each) => each.name === 'postgres');
const QUERY_TIMEOUT_MS = 1_000;

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
    await startDatabase({ ...settings, url: url.toString(), queryTimeoutMs: QUERY_TIMEOUT_MS });
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

  test('statements sent together on a connection that ends: its own error (a 503), not the ROLLBACK’s', async () => {
    const statement = <Row>(query: ReturnType<typeof sql<Row>>) => ({
      compile: () => query.compile(database()),
      execute: () => Promise.reject(new Error('unused')),
    });
    const ended = await queries()
      .together(statement(sql`select 1`), statement(sql`select pg_terminate_backend(pg_backend_pid())`))
      .catch((error: unknown) => error);
    assert.ok(ended instanceof Error, 'the statements failed');
    assert.equal((ended as Error & { code?: string }).code, '57P01', String(ended));
    assert.equal(outcomeOf(ended)?.outcome, 'unavailable', String(ended));
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

  test('a statement the database does not answer fails as "unavailable" after the query timeout, and its connection is not lent again', async () => {
    const select = () => sql<{ one: number }>`select 1 as one`.execute(database());
    // Connections in the pool beforehand: opening one would wait on the paused relay for its own timeout.
    await Promise.all([select(), select(), select()]);
    paused = true;
    const timed = async <T>(work: () => Promise<T>) => {
      const started = performance.now();
      const outcome = await work().catch((error: unknown) => error);
      return { outcome, ms: performance.now() - started };
    };
    const alone = await timed(select);
    // Its ROLLBACK is not sent on the connection that timed out, to wait as long again.
    const inATransaction = await timed(() => inTransaction((trx) => sql`select 1`.execute(trx.db)));
    console.info(
      `[outage] a statement failed after ${Math.round(alone.ms)} ms, a transaction after ${Math.round(inATransaction.ms)} ms (timeout ${QUERY_TIMEOUT_MS} ms)`,
    );
    for (const { outcome, ms } of [alone, inATransaction]) {
      assert.equal(outcomeOf(outcome)?.outcome, 'unavailable', String(outcome));
      assert.ok(
        ms >= QUERY_TIMEOUT_MS * 0.9 && ms < QUERY_TIMEOUT_MS * 2.5,
        `failed after ${Math.round(ms)} ms`,
      );
    }
    paused = false;
    // What the paused relay dropped never arrives: a connection lent again would time out again.
    for (let index = 0; index < 5; index += 1) assert.deepEqual((await select()).rows, [{ one: 1 }]);
  });
});
