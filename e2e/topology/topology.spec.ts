import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { expect, test } from '@playwright/test';
import pg from 'pg';
import { migrations } from '../../src/db/migrations';
import { CONTACT_RATE_LIMIT_FOR_TESTS, outsideWindowEdge } from '../support/rate-limit';

/**
 * What only nginx → 2 instances → PgBouncer (transaction pooling) → PostgreSQL can show. Each test starts a
 * topology of its own (scripts/topology.mjs), on a fresh schema.
 */

interface Instance {
  port: number;
  log: string;
  child: { pid: number };
  start(): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}
interface Topology {
  url: string;
  schema: string;
  servers: Instance[];
  stop(): Promise<void>;
}

const TOKEN = 'topology-token-0123456789';
const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
test.describe.configure({ mode: 'serial' });

/** A request from a given local address: 127.0.0.1 and 127.0.0.2 are two clients as nginx sees them. */
function request(
  url: string,
  {
    method = 'GET',
    body,
    headers = {},
    from = '127.0.0.1',
  }: { method?: string; body?: unknown; headers?: Record<string, string | string[]>; from?: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      url,
      {
        method,
        localAddress: from,
        headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        // An answer cut short (its instance killed mid-answer): a failure, as the client sees it.
        response.on('error', reject);
        response.on('aborted', () => reject(new Error('the answer was cut short')));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function withTopology(env: Record<string, string>, run: (topology: Topology) => Promise<void>) {
  // A plain ES module, shared with `npm run topology`: imported, not required.
  // @ts-expect-error -- JavaScript without type declarations
  const { startTopology } = await import('../../scripts/topology.mjs');
  const topology = (await startTopology({
    env: { API_TOKEN: TOKEN, ...env },
    databaseUrl: postgresUrl,
  })) as Topology;
  try {
    await run(topology);
  } finally {
    await topology.stop();
  }
}

/**
 * Waits for an instance's /api/health to answer 200. Its port opens before its database is open and migrated
 * (that happens in the background at start), which on a loaded machine took seconds.
 */
async function ready(instance: Instance): Promise<void> {
  await expect
    .poll(async () => (await request(`http://127.0.0.1:${instance.port}/api/health`, {})).status, {
      timeout: 30_000,
    })
    .toBe(200);
}

test('both instances start at once on an empty schema: exactly one migrates, and ?schema= holds through PgBouncer', async () => {
  test.setTimeout(120_000);
  await withTopology({}, async (topology) => {
    for (const server of topology.servers) await ready(server);
    const migrated = topology.servers.filter((server) => server.log.includes('[db] applied migrations'));
    expect(migrated, topology.servers.map((server) => server.log).join('\n---\n')).toHaveLength(1);
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      const tables = await client.query(
        `select table_schema from information_schema.tables where table_name = 'posts' and table_schema = $1`,
        [topology.schema],
      );
      expect(tables.rowCount).toBe(1);
      const applied = await client.query(
        `select name from "${topology.schema}".kysely_migration order by name`,
      );
      expect(applied.rows.map((row) => row.name)).toEqual(Object.keys(migrations('postgres')).sort());
    } finally {
      await client.end();
    }
    // Writes through nginx land in that schema, whichever instance and pooled connection served them.
    const created = await request(`${topology.url}/api/posts`, {
      method: 'POST',
      body: { title: 'Through the pooler', body: 'Transaction pooling' },
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(created.status).toBe(201);
    for (let index = 0; index < 6; index += 1) {
      const found = await request(
        `${topology.url}/api/posts?q=${encodeURIComponent('through the pooler')}`,
        {},
      );
      expect(JSON.parse(found.text)).toHaveLength(1);
    }
  });
});

test('the contact limit counts each real client, through nginx; a rotated X-Forwarded-For gains nothing', async () => {
  test.setTimeout(240_000);
  await outsideWindowEdge(120_000);
  await withTopology({ CONTACT_RATE_LIMIT: CONTACT_RATE_LIMIT_FOR_TESTS }, async (topology) => {
    const send = (name: string, from: string, forwardedFor?: string) =>
      request(`${topology.url}/api/submit-form`, {
        method: 'POST',
        from,
        body: { name, email: 'client@example.com', message: 'Hello' },
        headers: forwardedFor ? { 'X-Forwarded-For': forwardedFor } : {},
      });
    expect((await send('A1', '127.0.0.1')).status).toBe(200);
    expect((await send('A2', '127.0.0.1')).status).toBe(200);
    expect((await send('A3', '127.0.0.1')).status).toBe(429);
    // Another machine (as nginx sees it) has its own allowance, whichever instance serves it.
    expect((await send('B1', '127.0.0.2')).status).toBe(200);
    expect((await send('B2', '127.0.0.2')).status).toBe(200);
    for (let index = 0; index < 10; index += 1) {
      expect((await send(`Rotated ${index}`, '127.0.0.1', `198.51.100.${index}`)).status).toBe(429);
    }
    // nginx does not pass on a client's X-Forwarded-Host: another site's Origin stays another site's, and
    // the site's own is still its own.
    const fromOrigin = (name: string, headers: Record<string, string>) =>
      request(`${topology.url}/api/submit-form`, {
        method: 'POST',
        from: '127.0.0.3',
        body: { name, email: 'client@example.com', message: 'Hello' },
        headers,
      });
    const forged = { Origin: 'https://evil.example', 'X-Forwarded-Host': 'evil.example' };
    expect((await fromOrigin('Forged', forged)).status).toBe(403);
    expect((await fromOrigin('C1', { Origin: new URL(topology.url).origin })).status).toBe(200);
    const stored = await request(`${topology.url}/api/messages?limit=100`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect((JSON.parse(stored.text) as { name: string }[]).map((message) => message.name).sort()).toEqual([
      'A1',
      'A2',
      'B1',
      'B2',
      'C1',
    ]);
  });
});

test('one instance stopped (SIGTERM), then one killed (SIGKILL), under steady load: no acknowledged write is lost', async () => {
  test.setTimeout(180_000);
  await withTopology({}, async (topology) => {
    const acknowledged: number[] = [];
    const failures: { at: number; status: number }[] = [];
    let loading = true;
    let inFlight = 0;
    const writer = async (worker: number) => {
      for (let index = 0; loading; index += 1) {
        const key = randomUUID();
        inFlight += 1;
        const response = await request(`${topology.url}/api/posts`, {
          method: 'POST',
          body: { title: `Load ${worker}-${index}`, body: 'Steady' },
          headers: { Authorization: `Bearer ${TOKEN}`, 'Idempotency-Key': key },
        }).catch(() => ({ status: 0, text: '' }));
        inFlight -= 1;
        if (response.status === 201) {
          acknowledged.push((JSON.parse(response.text) as { id: number }).id);
        } else {
          failures.push({ at: performance.now(), status: response.status });
          // As a client would: a moment before the next try.
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, worker) => writer(worker));
    const [first, second] = topology.servers as [Instance, Instance];
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // A graceful stop: nginx finds the port closed and sends the rest to the other instance.
    const stopped = performance.now();
    expect(await first.stop('SIGTERM')).toBe(0);
    await first.start();
    // As an orchestrator would, the other instance is taken down only once this one is ready (on a loaded
    // machine it was not 1.5 s after its port opened, and the crash below then failed 30 writes).
    await ready(first);
    await new Promise((resolve) => setTimeout(resolve, 1_500));

    // A crash: what the killed instance had in flight fails (nginx does not resend a POST it sent).
    const killed = performance.now();
    const inFlightAtKill = inFlight;
    await second.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    loading = false;
    await Promise.all(writers);
    const failuresAfterStop = failures.filter(
      (failure) => failure.at >= stopped && failure.at < killed,
    ).length;
    const failuresAfterKill = failures.filter((failure) => failure.at >= killed).length;
    const statuses = [...new Set(failures.map((failure) => failure.status))].join(', ') || 'none';
    console.info(
      `[topology] ${acknowledged.length} posts acknowledged; ${failuresAfterStop} failed around the SIGTERM, ` +
        `${failuresAfterKill} around the SIGKILL, when ${inFlightAtKill} were in flight (statuses: ${statuses})`,
    );
    // A graceful stop fails nothing, but for connections the kernel had queued in the very instant the port
    // closed (nginx had already sent the POST, so it may not resend it): one here, two on a loaded CI machine.
    expect(failuresAfterStop).toBeLessThanOrEqual(2);
    // What the killed instance had in flight fails (nginx does not resend a POST it sent), and nothing else.
    expect(failuresAfterKill).toBeLessThanOrEqual(inFlightAtKill);
    expect(acknowledged.length).toBeGreaterThan(50);
    for (const id of acknowledged) {
      expect((await request(`${topology.url}/api/posts/${id}`, {})).status, `post ${id}`).toBe(200);
    }
  });
});
