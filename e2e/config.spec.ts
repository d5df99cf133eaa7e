import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { freePort } from './support/server';

const BAD_SETTINGS = [
  {
    DATABASE_URL: 'mysql://db/app',
    says: 'DATABASE_URL must start with file: (SQLite, e.g. file:./.data/app.db) or postgres:// / postgresql://',
  },
  { API_TOKEN: 'short', says: 'API_TOKEN must be at least 16 characters' },
  { CONTACT_RATE_LIMIT: 'lots', says: 'CONTACT_RATE_LIMIT must be <requests>/<seconds>' },
  { TRUSTED_PROXIES: '-1', says: 'TRUSTED_PROXIES must be the number of reverse proxies' },
  { DATABASE_POOL_MAX: '0', says: 'DATABASE_POOL_MAX must be a whole number' },
];

/** Runs `npm start`'s server with `env` until it exits (20 s at most): its exit code and all it wrote. */
async function runToExit(
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['dist/server.js'], {
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', PORT: String(await freePort()), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, output };
}

for (const { says, ...env } of BAD_SETTINGS) {
  test(`a bad ${Object.keys(env)[0]} stops npm start with a message that says what to fix`, async () => {
    const { code, output } = await runToExit(env);
    expect(code, output).toBe(1);
    expect(output).toContain(`[service] configuration error: ${says}`);
    // Said before anything else: no "Ready" or "listening" first.
    expect(output.trimStart()).toMatch(/^\[service\] configuration error/);
  });
}

test('a port already taken or a HOST that does not resolve stops npm start with exit 1, saying so once', async () => {
  const taken = net.createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const port = (taken.address() as net.AddressInfo).port;
  try {
    for (const [env, says] of [
      [{ PORT: String(port), HOST: '127.0.0.1' }, `could not listen on 127.0.0.1, port ${port}`],
      [{ HOST: 'no-such-host.invalid' }, 'could not listen on no-such-host.invalid'],
    ] as const) {
      const { code, output } = await runToExit({
        WEB_CONCURRENCY: '1',
        DATABASE_URL: `file:${path.join(mkdtempSync(path.join(tmpdir(), 'listen-')), 'app.db')}`,
        ...env,
      });
      expect(code, output).toBe(1);
      expect(output.split(says).length - 1, output).toBe(1);
    }
  } finally {
    taken.close();
  }
});
