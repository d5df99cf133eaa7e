// `node scripts/up-to-date.mjs install|build`: installs the npm packages, or builds, only when what they were
// made from has changed since the last time (a digest of the inputs, kept beside the output). `npm run serve`
// and the test commands use it, so that running them again costs seconds, not minutes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Files a build is made from (directories are walked), and where the digest of the last build is kept. */
const BUILD_INPUTS = ['app', 'src', 'public', 'server.ts', 'instrumentation.ts', 'next.config.mjs'];
BUILD_INPUTS.push('tsconfig.json', 'tsconfig.server.json', 'package-lock.json');

const TASKS = {
  install: {
    inputs: ['package-lock.json'],
    stamp: 'node_modules/.install-digest',
    output: 'node_modules',
    command: ['npm', ['ci', '--no-audit', '--no-fund']],
  },
  build: {
    inputs: BUILD_INPUTS,
    stamp: `${process.env.NEXT_DIST_DIR || '.next'}/.build-digest`,
    output: 'dist/server.js',
    command: ['npm', ['run', '-s', 'build']],
  },
};

function files(entry) {
  if (!existsSync(entry)) return [];
  if (!statSync(entry).isDirectory()) return [entry];
  return readdirSync(entry)
    .sort()
    .flatMap((name) => files(path.join(entry, name)));
}

function digest(inputs) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(files)) hash.update(file).update('\0').update(readFileSync(file));
  return hash.digest('hex');
}

const name = process.argv[2];
const task = TASKS[name];
if (!task) {
  console.error('usage: node scripts/up-to-date.mjs install|build');
  process.exit(2);
}
const current = digest(task.inputs);
const last = existsSync(task.stamp) ? readFileSync(task.stamp, 'utf8') : undefined;
if (existsSync(task.output) && last === current) {
  console.info(`== ${name}: up to date`);
  process.exit(0);
}
console.info(`== ${name}`);
const [command, args] = task.command;
const result = spawnSync(command, args, {
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(task.stamp, current);
