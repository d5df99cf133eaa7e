import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export interface RunningServer {
  url: string;
  port: number;
  pid: number;
  /** What the server has printed so far. */
  output(): string;
  /** Closes the pipes the server logs into, as a log reader that goes away does. */
  closeOutput(): void;
  /**
   * SIGKILL by default: a write answered 2xx must survive a process that never got to shut down. Resolves
   * with the exit code (null when a signal ended it).
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A port the OS says is free now (it is closed again at once, for the caller to listen on). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts another production server (`npm start`) of the same build, for restart, multi-instance, shutdown
 * and resource tests, on a free port
 * (or `port`), and waits until it is healthy (or, with `waitFor: 'listening'`, until it answers at all: for a
 * server whose database is down).
 */
export async function startServer(
  env: Record<string, string>,
  { port, waitFor = 'healthy' }: { port?: number; waitFor?: 'healthy' | 'listening' } = {},
): Promise<RunningServer> {
  const listenOn = port ?? (await freePort());
  const child: ChildProcess = spawn(process.execPath, ['dist/server.js'], {
    env: {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(listenOn),
      HOST: '127.0.0.1',
      // One process, whose pid is the server's, unless a test asks for workers.
      WEB_CONCURRENCY: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // A test that fails before it stops its server (a timeout, an unhandled rejection) must not leave it running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${listenOn}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited early:\n${output}`);
    try {
      const response = await fetch(`${url}/api/${waitFor === 'healthy' ? 'health' : 'hello'}`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not become ${waitFor}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    port: listenOn,
    pid: child.pid as number,
    output: () => output,
    closeOutput() {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
