import 'server-only';
import path from 'node:path';

export type DatabaseConfig =
  | { kind: 'sqlite'; file: string }
  | { kind: 'postgres'; url: string; poolMax: number; schema: string | undefined };

/** A fixed-window limit: at most `limit` requests per `windowSeconds` per client. */
export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

export interface Config {
  database: DatabaseConfig;
  /** Bearer token for post writes and the messages view; undefined when unset. */
  apiToken: string | undefined;
  /** Contact messages per client, shared by the form and `POST /api/submit-form`. */
  contactRateLimit: RateLimit;
  /** Reverse proxies in front of the service that append to X-Forwarded-For (see clientAddress). */
  trustedProxies: number;
}

const DEFAULT_SQLITE_FILE = './.data/app.db';
/** Five messages per client per ten minutes: more than a person writes, fewer than a script sends. */
const DEFAULT_CONTACT_RATE_LIMIT = '5/600';

/** Environment variables, where an empty string means unset (as in most deploy dashboards). */
function env(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and checks the configuration. Throws ConfigError with a message a person can act on. */
export function readConfig(): Config {
  const apiToken = env('API_TOKEN');
  if (apiToken !== undefined && apiToken.length < 16) {
    throw new ConfigError(
      'API_TOKEN must be at least 16 characters long (or unset to leave post writes open).',
    );
  }
  const poolMax = readPoolMax();
  return {
    database: readDatabaseConfig(env('DATABASE_URL'), poolMax),
    apiToken,
    contactRateLimit: readContactRateLimit(),
    trustedProxies: readTrustedProxies(),
  };
}

/** TRUSTED_PROXIES: how many reverse proxies append to X-Forwarded-For before a request reaches us. */
function readTrustedProxies(): number {
  const raw = env('TRUSTED_PROXIES') ?? '1';
  if (!/^[0-9]$/.test(raw)) {
    throw new ConfigError(
      'TRUSTED_PROXIES must be the number of reverse proxies in front of the service, 0 to 9.',
    );
  }
  return Number(raw);
}

/** CONTACT_RATE_LIMIT: `<requests>/<seconds>`, for example `5/600`. */
function readContactRateLimit(): RateLimit {
  const raw = env('CONTACT_RATE_LIMIT') ?? DEFAULT_CONTACT_RATE_LIMIT;
  const match = /^([0-9]{1,7})\/([0-9]{1,6})$/.exec(raw);
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || limit < 1 || windowSeconds < 1 || windowSeconds > 86_400) {
    throw new ConfigError(
      'CONTACT_RATE_LIMIT must be <requests>/<seconds>, for example 5/600 (5 per client per 10 minutes), ' +
        'with at least 1 request and a window from 1 to 86400 seconds.',
    );
  }
  return { limit, windowSeconds };
}

function readDatabaseConfig(url: string | undefined, poolMax: number): DatabaseConfig {
  if (url === undefined) return { kind: 'sqlite', file: path.resolve(DEFAULT_SQLITE_FILE) };
  if (url.startsWith('file:')) {
    const file = url.slice('file:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new ConfigError('DATABASE_URL=file:… needs a path, for example file:./.data/app.db');
    return { kind: 'sqlite', file: path.resolve(file) };
  }
  if (/^postgres(?:ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL.');
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError('The schema= parameter of DATABASE_URL must be a lower-case SQL identifier.');
    }
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), poolMax, schema };
  }
  throw new ConfigError('DATABASE_URL must start with file: (SQLite) or postgres:// (PostgreSQL).');
}

function readPoolMax(): number {
  const raw = env('DATABASE_POOL_MAX');
  if (raw === undefined) return 10;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 1000) {
    throw new ConfigError('DATABASE_POOL_MAX must be a whole number from 1 to 1000.');
  }
  return value;
}

let cached: Config | undefined;

/** The configuration, read once per process. */
export function config(): Config {
  cached ??= readConfig();
  return cached;
}
