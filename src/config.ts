import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';

/** A fixed-window limit: at most `limit` requests per `windowSeconds` per client. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string; synchronous: 'normal' | 'full' }
  | {
      kind: 'postgres';
      url: string;
      poolMax: number;
      schema: string | undefined;
      /** How long a request's statement may wait for its answer before it fails as unavailable (a 503). */
      queryTimeoutMs: number;
    };

const DEFAULT_SQLITE_FILE = './.data/app.db';

/** A whole number in a range, from its decimal text; `message` says what the setting is for. */
const wholeNumber = (min: number, max: number, message: string) =>
  v.pipe(
    v.string(),
    v.regex(/^[0-9]{1,9}$/, message),
    v.transform(Number),
    v.number(),
    v.minValue(min, message),
    v.maxValue(max, message),
  );

/** A duration setting in whole seconds, with its default. */
const seconds = (name: string, min: number, max: number, fallback: string) =>
  v.optional(wholeNumber(min, max, `${name} must be a whole number of seconds, ${min} to ${max}.`), fallback);

/**
 * The file a `file:` DATABASE_URL names: `file:relative` and `file:/absolute` as paths, `file:///absolute` (or
 * `file://localhost/absolute`) as a file URL, percent-escapes decoded. Undefined for anything else, so that
 * it is refused rather than misread: `file://./app.db` (a host named "."), and `?mode=…` options, which
 * SQLite's own URI parser would take but this service does not (it would make a file named with them).
 */
function sqliteFile(url: string): string | undefined {
  const rest = url.slice('file:'.length);
  if (!rest || /[?#]/.test(rest)) return undefined;
  if (!rest.startsWith('//')) return path.resolve(rest);
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || !['', 'localhost'].includes(parsed.hostname) || parsed.pathname === '/') return undefined;
  return fileURLToPath(parsed);
}

const DatabaseUrl = v.pipe(
  v.string(),
  v.check(
    (url) => url.startsWith('file:') || /^postgres(?:ql)?:\/\//.test(url),
    'DATABASE_URL must start with file: (SQLite, e.g. file:./.data/app.db) or postgres:// / postgresql:// (PostgreSQL).',
  ),
  v.check(
    (url) => !url.startsWith('file:') || sqliteFile(url) !== undefined,
    'DATABASE_URL must name the SQLite file and nothing else: file:./.data/app.db (relative to the ' +
      'working directory), file:/srv/app.db or file:///srv/app.db, with no ?options.',
  ),
  v.check(
    (url) => url.startsWith('file:') || URL.canParse(url),
    'DATABASE_URL is not a valid postgres:// URL.',
  ),
  v.check((url) => {
    const schema = url.startsWith('file:') ? null : new URL(url).searchParams.get('schema');
    return schema === null || /^[a-z_][a-z0-9_]{0,62}$/.test(schema);
  }, 'The schema= parameter of DATABASE_URL must be a lower-case SQL identifier.'),
);

/**
 * The environment the service reads, as one schema: an empty value means unset (as in most deploy
 * dashboards), every default is here, and every message says what to set.
 */
const Environment = v.object({
  DATABASE_URL: v.optional(DatabaseUrl),
  /** When a SQLite commit is durable: `normal` (survives a killed process) or `full` (also a power cut). */
  SQLITE_SYNCHRONOUS: v.optional(
    v.picklist(['normal', 'full'], 'SQLITE_SYNCHRONOUS must be normal (the default) or full.'),
    'normal',
  ),
  DATABASE_POOL_MAX: v.optional(
    wholeNumber(1, 1000, 'DATABASE_POOL_MAX must be a whole number from 1 to 1000.'),
    '10',
  ),
  DATABASE_QUERY_TIMEOUT_SECONDS: seconds('DATABASE_QUERY_TIMEOUT_SECONDS', 1, 3600, '10'),
  API_TOKEN: v.optional(
    v.pipe(
      v.string(),
      v.minLength(16, 'API_TOKEN must be at least 16 characters long (or unset to leave post writes open).'),
    ),
  ),
  /** `<requests>/<seconds>`: five messages per client per ten minutes, more than a person writes. */
  CONTACT_RATE_LIMIT: v.optional(
    v.pipe(
      v.string(),
      v.regex(
        /^[1-9][0-9]{0,6}\/(?:[1-9][0-9]{0,3}|[1-7][0-9]{4}|8[0-5][0-9]{3}|86[0-3][0-9]{2}|86400)$/,
        'CONTACT_RATE_LIMIT must be <requests>/<seconds>, for example 5/600 (5 per client per 10 minutes), ' +
          'with at least 1 request and a window from 1 to 86400 seconds.',
      ),
      v.transform((value): RateLimit => {
        const [limit, windowSeconds] = value.split('/').map(Number) as [number, number];
        return { limit, windowSeconds };
      }),
    ),
    '5/600',
  ),
  PORT: v.optional(wholeNumber(1, 65535, 'PORT must be a TCP port, 1 to 65535.'), '3000'),
  HOST: v.optional(v.string()),
  /** Worker processes: the common convention of hosting platforms; empty means one per CPU. */
  WEB_CONCURRENCY: v.optional(
    wholeNumber(1, 64, 'WEB_CONCURRENCY must be the number of worker processes, 1 to 64.'),
  ),
  HEADERS_TIMEOUT_SECONDS: seconds('HEADERS_TIMEOUT_SECONDS', 1, 600, '10'),
  REQUEST_TIMEOUT_SECONDS: seconds('REQUEST_TIMEOUT_SECONDS', 1, 3600, '30'),
  KEEP_ALIVE_TIMEOUT_SECONDS: seconds('KEEP_ALIVE_TIMEOUT_SECONDS', 1, 600, '5'),
  SHUTDOWN_DELAY_SECONDS: seconds('SHUTDOWN_DELAY_SECONDS', 0, 600, '0'),
  SHUTDOWN_GRACE_SECONDS: seconds('SHUTDOWN_GRACE_SECONDS', 0, 3600, '20'),
  LOG_FORMAT: v.optional(
    v.picklist(['text', 'json'], 'LOG_FORMAT must be text (the default) or json.'),
    'text',
  ),
  /** How many reverse proxies append to X-Forwarded-For before a request reaches the service. */
  TRUSTED_PROXIES: v.optional(
    wholeNumber(
      0,
      9,
      'TRUSTED_PROXIES must be the number of reverse proxies in front of the service, 0 to 9.',
    ),
    '0',
  ),
  /**
   * Browser origins (other sites) that may read the public API and, with the token, write posts; the
   * contact form and messages stay same-origin whatever this says.
   */
  CORS_ORIGINS: v.optional(
    v.pipe(
      v.string(),
      v.transform((list) => list.split(/[\s,]+/).filter(Boolean)),
      v.check(
        (origins) => origins.every(isOrigin),
        'CORS_ORIGINS must be origins separated by commas, each a scheme, host and optional port with no ' +
          'path, for example https://app.example.com,http://localhost:5173',
      ),
      v.transform((origins) => origins.map((origin) => new URL(origin).origin)),
    ),
  ),
  /** Strict-Transport-Security max-age, for a service only reached over HTTPS; unset or 0 sends none. */
  HSTS_MAX_AGE_SECONDS: v.optional(
    wholeNumber(
      0,
      63_072_000,
      'HSTS_MAX_AGE_SECONDS must be a whole number of seconds, 0 to 63072000 (2 years).',
    ),
    '0',
  ),
});

/** `https://host[:port]`: what a browser sends as Origin (a path, query or user name is a mistake). */
function isOrigin(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    ['http:', 'https:'].includes(url.protocol) &&
    /^https?:\/\/[^/?#@]+\/?$/i.test(value) &&
    url.username === '' &&
    url.password === ''
  );
}

/** What only the Node.js server (server.ts) uses: sockets, processes and logs. */
export interface ServerConfig {
  port: number;
  /** Undefined: every interface (IPv6 and IPv4). */
  host: string | undefined;
  /** Worker processes; 1 runs the server in the primary process itself. */
  workers: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** How long a shutdown keeps serving, with health at 503, before it stops accepting connections. */
  shutdownDelayMs: number;
  /** How long a shutdown then waits for requests in flight before it closes their connections. */
  shutdownGraceMs: number;
  logFormat: 'text' | 'json';
  /** Strict-Transport-Security max-age in seconds; 0 sends no such header. */
  hstsMaxAgeSeconds: number;
}

export interface Config {
  server: ServerConfig;
  database: DatabaseConfig;
  /** Bearer token for post writes and the messages view; undefined when unset. */
  apiToken: string | undefined;
  /** Contact messages per client, shared by the form and `POST /api/submit-form`. */
  contactRateLimit: RateLimit;
  /** Reverse proxies in front of the service that append to X-Forwarded-For (see clientAddress). */
  trustedProxies: number;
  /** Origins of other sites allowed to call the public API from a browser (CORS); empty for none. */
  corsOrigins: ReadonlySet<string>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function databaseConfig(
  url: string | undefined,
  synchronous: 'normal' | 'full',
  postgres: { poolMax: number; queryTimeoutMs: number },
): DatabaseConfig {
  if (url === undefined) return { kind: 'sqlite', file: path.resolve(DEFAULT_SQLITE_FILE), synchronous };
  if (url.startsWith('file:')) return { kind: 'sqlite', file: sqliteFile(url) as string, synchronous };
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  parsed.searchParams.delete('schema');
  return { kind: 'postgres', url: parsed.toString(), schema, ...postgres };
}

/** Reads and checks the configuration. Throws ConfigError with a message a person can act on. */
export function readConfig(environment: Record<string, string | undefined> = process.env): Config {
  const set = Object.fromEntries(
    Object.keys(Environment.entries).flatMap((name) => {
      const value = environment[name]?.trim();
      return value ? [[name, value]] : [];
    }),
  );
  const result = v.safeParse(Environment, set, { abortPipeEarly: true });
  if (!result.success) throw new ConfigError(result.issues.map((issue) => issue.message).join(' '));
  const { output } = result;
  return {
    server: {
      port: output.PORT,
      host: output.HOST,
      workers: output.WEB_CONCURRENCY ?? availableParallelism(),
      headersTimeoutMs: output.HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: output.REQUEST_TIMEOUT_SECONDS * 1000,
      keepAliveTimeoutMs: output.KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
      shutdownDelayMs: output.SHUTDOWN_DELAY_SECONDS * 1000,
      shutdownGraceMs: output.SHUTDOWN_GRACE_SECONDS * 1000,
      logFormat: output.LOG_FORMAT,
      hstsMaxAgeSeconds: output.HSTS_MAX_AGE_SECONDS,
    },
    database: databaseConfig(output.DATABASE_URL, output.SQLITE_SYNCHRONOUS, {
      poolMax: output.DATABASE_POOL_MAX,
      queryTimeoutMs: output.DATABASE_QUERY_TIMEOUT_SECONDS * 1000,
    }),
    apiToken: output.API_TOKEN,
    contactRateLimit: output.CONTACT_RATE_LIMIT,
    trustedProxies: output.TRUSTED_PROXIES,
    corsOrigins: new Set(output.CORS_ORIGINS ?? []),
  };
}

let cached: Config | undefined;

/** The configuration, read once per process. */
export function config(): Config {
  cached ??= readConfig();
  return cached;
}
