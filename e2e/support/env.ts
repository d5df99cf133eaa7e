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

/** Ports Chromium refuses to load pages from (net/base/port_util.cc): ERR_UNSAFE_PORT. The OS's free ports
 * (32768 and up) are never among them; a port someone sets may be. */
const CHROMIUM_REFUSED_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

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
    const valid = Number.isInteger(wanted) && wanted > 0 && wanted < 65536;
    const refused = CHROMIUM_REFUSED_PORTS.has(wanted);
    const usable = valid && !refused && isFree(wanted);
    if (process.env.E2E_PORT && !usable) {
      const why = !valid ? 'not a port number' : refused ? 'a port Chromium refuses' : 'not a free port here';
      console.warn(`[e2e] E2E_PORT=${process.env.E2E_PORT} is ${why}; using another one`);
    }
    process.env.E2E_PORT = String(usable ? wanted : freePort());
    process.env.E2E_PORT_CHOSEN = '1';
  }
  return Number(process.env.E2E_PORT);
}

/** Settings shared by the Playwright config, its web server and the specs. */
export const E2E_PORT = suitePort();
export const E2E_API_TOKEN = process.env.E2E_API_TOKEN ?? 'e2e-token-0123456789abcdef';
