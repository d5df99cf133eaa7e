// The service as it runs at scale, on one machine: nginx → 2 instances of `npm start` → PgBouncer (transaction
// pooling) → PostgreSQL. `npm run topology` starts it and prints its address; the topology tests start their
// own with startTopology(). Needs nginx and pgbouncer (Debian: apt-get install -y nginx pgbouncer) and a
// PostgreSQL server (TOPOLOGY_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), in which each
// topology uses a schema of its own, dropped when it stops.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

const ROOT = path.resolve(import.meta.dirname, '..');

export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForPort(port, label, child) {
  for (let attempt = 0; attempt < 300; attempt += 1) {
    if (child?.exitCode != null) throw new Error(`${label} exited (${child.exitCode})`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(socket.end() && true));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${label} did not listen on ${port}`);
}

/** PgBouncer refuses to run as root: it runs as the PostgreSQL server's own user there. */
function asServiceUser(command, args) {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function pgbouncerConfig(directory, port, database) {
  writeFileSync(path.join(directory, 'userlist.txt'), `"${database.username || 'postgres'}" ""\n`);
  return [
    '[databases]',
    `* = host=${database.hostname} port=${database.port || 5432}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    `unix_socket_dir = ${directory}`,
    'auth_type = trust',
    `auth_file = ${path.join(directory, 'userlist.txt')}`,
    // What the service is written for: a server connection per transaction, never per client session.
    'pool_mode = transaction',
    'max_client_conn = 500',
    'default_pool_size = 10',
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${path.join(directory, 'pgbouncer.log')}`,
    `pidfile = ${path.join(directory, 'pgbouncer.pid')}`,
    '',
  ].join('\n');
}

function nginxConfig(directory, port, instancePorts) {
  return `
worker_processes 1;
daemon off;
pid ${directory}/nginx.pid;
error_log ${directory}/nginx-error.log warn;
${process.getuid?.() === 0 ? 'user root;' : ''}
events { worker_connections 2048; }
http {
  access_log off;
  client_body_temp_path ${directory}/client_body;
  proxy_temp_path ${directory}/proxy;
  fastcgi_temp_path ${directory}/fastcgi;
  uwsgi_temp_path ${directory}/uwsgi;
  scgi_temp_path ${directory}/scgi;
  upstream service {
    # Passive health: an instance that refuses connections (stopped or draining) or answers 502/503 is
    # skipped for fail_timeout; nginx OSS has no active health checks (see README "Scaling out").
${instancePorts.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=1s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${port};
    # The service decides what a body may be (413) and reads it as it streams.
    client_max_body_size 0;
    proxy_request_buffering off;
    location / {
      proxy_pass http://service;
      # HTTP/1.1 to the instances (nginx's default is 1.0): their answers are then framed (a length or chunks), so
      # one cut short upstream reaches the client cut short, never as a whole answer with less body. A compressed
      # answer leaves an instance in pieces (the head with the first bytes, the rest as zlib makes them): an
      # instance killed between them left, over 1.0, a whole 201 whose body was cut short.
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      # Appends the client's address: the instances run with TRUSTED_PROXIES=1.
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      # The forwarding headers the service believes from a trusted proxy are set here or removed (an empty
      # value), never passed on from the client: the host is the Host header above.
      proxy_set_header X-Forwarded-Host "";
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port "";
      proxy_set_header X-Real-IP "";
      proxy_set_header X-Request-Id $request_id;
      # A request that never reached an instance, or that a losing instance answered 502/503, goes to the
      # other one; nginx retries a POST only when it was never sent.
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 2;
    }
  }
}
`;
}

/**
 * Starts PgBouncer, `instances` servers on it (started at the same moment, on an empty schema) and nginx in
 * front. Returns its address, the instances (for stop/kill/restart) and stop().
 */
export async function startTopology({ instances = 2, env = {}, databaseUrl, port: listenPort } = {}) {
  const database = new URL(
    databaseUrl ?? process.env.TOPOLOGY_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  );
  for (const tool of ['nginx', 'pgbouncer']) {
    if (spawnSync(tool, ['-V']).error)
      throw new Error(`${tool} is not installed (Debian: apt-get install -y ${tool})`);
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'topology-'));
  chmodSync(directory, 0o777);
  const schema = `topology_${process.pid}_${Date.now()}`;
  const children = [];
  const stopAll = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
    const client = new pg.Client({ connectionString: database.toString() });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    const bouncerPort = await freePort();
    writeFileSync(path.join(directory, 'pgbouncer.ini'), pgbouncerConfig(directory, bouncerPort, database));
    const [bouncerCommand, bouncerArgs] = asServiceUser('pgbouncer', [path.join(directory, 'pgbouncer.ini')]);
    const bouncer = spawn(bouncerCommand, bouncerArgs, { stdio: 'ignore' });
    children.push(bouncer);
    await waitForPort(bouncerPort, 'pgbouncer', bouncer);

    const viaBouncer = new URL(database);
    viaBouncer.host = `127.0.0.1:${bouncerPort}`;
    viaBouncer.searchParams.set('schema', schema);
    const instancePorts = await Promise.all(Array.from({ length: instances }, freePort));
    const servers = instancePorts.map((port, index) => {
      const server = {
        port,
        log: '',
        child: undefined,
        start() {
          server.child = spawn(process.execPath, ['dist/server.js'], {
            cwd: ROOT,
            env: {
              ...process.env,
              NEXT_TELEMETRY_DISABLED: '1',
              PORT: String(port),
              HOST: '127.0.0.1',
              WEB_CONCURRENCY: '1',
              TRUSTED_PROXIES: '1',
              SHUTDOWN_DELAY_SECONDS: '1',
              DATABASE_URL: viaBouncer.toString(),
              ...env,
            },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          children.push(server.child);
          for (const stream of [server.child.stdout, server.child.stderr]) {
            stream.on('data', (chunk) => (server.log += chunk));
          }
          return waitForPort(port, `instance ${index + 1}`, server.child);
        },
        async stop(signal = 'SIGTERM') {
          const child = server.child;
          if (!child || child.exitCode !== null || child.signalCode !== null) return null;
          child.kill(signal);
          const [code] = await once(child, 'exit');
          return code;
        },
      };
      return server;
    });
    // Together, on an empty schema: their migrations race, and exactly one must apply them.
    await Promise.all(servers.map((server) => server.start()));

    const port = listenPort ?? (await freePort());
    writeFileSync(path.join(directory, 'nginx.conf'), nginxConfig(directory, port, instancePorts));
    const nginx = spawn('nginx', ['-c', path.join(directory, 'nginx.conf'), '-p', directory], {
      stdio: 'ignore',
    });
    children.push(nginx);
    await waitForPort(port, 'nginx', nginx);
    return { url: `http://127.0.0.1:${port}`, schema, servers, directory, stop: stopAll };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

// `npm run topology` (or the Playwright topology project's web server): start, say where, stop on a signal.
if (process.argv[1] === import.meta.filename) {
  const topology = await startTopology({
    port: process.env.TOPOLOGY_PORT ? Number(process.env.TOPOLOGY_PORT) : undefined,
    env: process.env.TOPOLOGY_ENV ? JSON.parse(process.env.TOPOLOGY_ENV) : {},
  });
  console.info(
    `[topology] nginx on ${topology.url} → ${topology.servers.length} instances → PgBouncer → PostgreSQL`,
  );
  console.info(
    `[topology] instances: ${topology.servers.map((server) => server.port).join(', ')}; schema ${topology.schema}`,
  );
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      await topology.stop();
      process.exit(0);
    });
  }
}
