import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface RunningServer {
  url: string;
  /** SIGKILL by default: a write answered 2xx must survive a process that never got to shut down. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts another `next start` of the same build, for restart and multi-instance tests, and waits until it is
 * healthy (or, with `waitFor: 'listening'`, until it answers at all: for a server whose database is down).
 */
export async function startServer(
  port: number,
  env: Record<string, string>,
  { waitFor = 'healthy' }: { waitFor?: 'healthy' | 'listening' } = {},
): Promise<RunningServer> {
  // A leftover server on the port would answer in the new one's place and the test would check the wrong process.
  const stale = await fetch(`http://127.0.0.1:${port}/api/hello`).then(
    () => true,
    () => false,
  );
  if (stale) throw new Error(`port ${port} is already in use; stop whatever listens there`);
  const child: ChildProcess = spawn(
    process.execPath,
    ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'],
    { env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next start exited early:\n${output}`);
    try {
      const response = await fetch(`${url}/api/${waitFor === 'healthy' ? 'health' : 'hello'}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`next start did not become ${waitFor}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
}
