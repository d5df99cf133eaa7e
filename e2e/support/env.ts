import { execFileSync } from 'node:child_process';

/** Whether a port can be listened on now (asked of a child process: the config is loaded synchronously). */
function isFree(port: number): boolean {
  const probe = `require('net').createServer().once('error', () => process.exit(1)).listen(${port}, '127.0.0.1', function () { this.close(); })`;
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A port the OS says is free now. */
function freePort(): number {
  const free =
    "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })";
  return Number(execFileSync(process.execPath, ['-e', free], { encoding: 'utf8' }).trim());
}

/**
 * The suite server's port: $E2E_PORT when it is free, else one the OS says is free (a busy E2E_PORT is
 * reported, not reused: the suite never talks to a server that is not its own). Chosen once, in the process
 * that loads the Playwright config first; its workers (and the web server) inherit the choice.
 */
function suitePort(): number {
  if (process.env.E2E_PORT_CHOSEN !== '1') {
    const wanted = Number(process.env.E2E_PORT);
    const usable = Number.isInteger(wanted) && wanted > 0 && wanted < 65536 && isFree(wanted);
    if (process.env.E2E_PORT && !usable) {
      console.warn(`[e2e] E2E_PORT=${process.env.E2E_PORT} is not a free port here; using another one`);
    }
    process.env.E2E_PORT = String(usable ? wanted : freePort());
    process.env.E2E_PORT_CHOSEN = '1';
  }
  return Number(process.env.E2E_PORT);
}

/** Settings shared by the Playwright config, its web server and the specs. */
export const E2E_PORT = suitePort();
export const E2E_API_TOKEN = process.env.E2E_API_TOKEN ?? 'e2e-token-0123456789abcdef';
