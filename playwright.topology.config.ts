import { defineConfig, devices } from '@playwright/test';
import base from './playwright.config';
import { E2E_API_TOKEN, E2E_PORT } from './e2e/support/env';

/**
 * `npm run test:topology`: the API suite and the contact page through nginx → 2 instances → PgBouncer
 * (transaction pooling) → PostgreSQL, started by scripts/topology.mjs on an empty schema; then the tests only
 * that topology can show (e2e/topology/*.spec.ts).
 */
/** Set to test a topology that is already running, such as compose.yaml's (the GitHub workflow does). */
const external = process.env.E2E_BASE_URL;
const baseURL = external ?? `http://127.0.0.1:${E2E_PORT}`;
const postgres = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// The specs that ask which database the suite runs on (health names it).
process.env.E2E_DATABASE_URL ??= postgres;

export default defineConfig({
  ...base,
  use: { ...base.use, baseURL },
  projects: [
    {
      name: 'through nginx',
      use: { ...devices['Desktop Chrome'] },
      testMatch: [
        /posts\.spec\.ts/,
        /submit-form\.spec\.ts/,
        /contact\.spec\.ts/,
        /openapi-contract\.spec\.ts/,
        /hostile-input\.spec\.ts/,
        /home\.spec\.ts/,
        /post-page\.spec\.ts/,
      ],
    },
    // These start topologies of their own, so they need nginx, pgbouncer and PostgreSQL on this machine.
    ...(external ? [] : [{ name: 'topology', testDir: 'e2e/topology', dependencies: ['through nginx'] }]),
  ],
  webServer: external
    ? undefined
    : {
        command: 'node scripts/topology.mjs',
        url: `${baseURL}/api/health`,
        reuseExistingServer: false,
        timeout: 120_000,
        gracefulShutdown: { signal: 'SIGTERM', timeout: 20_000 },
        env: {
          TOPOLOGY_PORT: String(E2E_PORT),
          TOPOLOGY_DATABASE_URL: postgres,
          // Every spec posts to the contact route from 127.0.0.1 at once; the limit is tested on its own topology.
          TOPOLOGY_ENV: JSON.stringify({ API_TOKEN: E2E_API_TOKEN, CONTACT_RATE_LIMIT: '100000/600' }),
        },
        stdout: 'pipe',
        stderr: 'pipe',
      },
});
