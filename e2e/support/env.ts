import { execFileSync } from 'node:child_process';

/**
 * The suite server's port: $E2E_PORT if set, else one the OS says is free. Chosen once, in the process that
 * loads the Playwright config first; its workers (and the web server) inherit it through the environment.
 */
function suitePort(): number {
  if (!process.env.E2E_PORT) {
    const free =
      "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })";
    process.env.E2E_PORT = execFileSync(process.execPath, ['-e', free], { encoding: 'utf8' }).trim();
  }
  return Number(process.env.E2E_PORT);
}

/** Settings shared by the Playwright config, its web server and the specs. */
export const E2E_PORT = suitePort();
export const E2E_API_TOKEN = process.env.E2E_API_TOKEN ?? 'e2e-token-0123456789abcdef';
