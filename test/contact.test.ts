import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, readConfig } from '../src/config';
import { outcomeOf } from '../src/db/errors';
import { DomainError } from '../src/errors';
import { failedFormState, invalidFormState } from '../src/forms';
import { clientAddress } from '../src/http/client';
import { requireSameOrigin } from '../src/http/access';
import { rateLimitedAs } from '../src/rate-limit/network';
import { HttpError } from '../src/http/problem';
import type { FieldErrors } from '../src/validation';

function post(headers: Record<string, string>): Request {
  return new Request('http://127.0.0.1:3000/api/submit-form', { method: 'POST', headers });
}

const forbidden = (error: unknown) => error instanceof HttpError && error.status === 403;

describe('requireSameOrigin', () => {
  test('no Origin (curl, servers) and the site’s own origin pass', () => {
    assert.doesNotThrow(() => requireSameOrigin(post({ host: 'example.com' })));
    assert.doesNotThrow(() =>
      requireSameOrigin(post({ host: 'example.com', origin: 'https://example.com' })),
    );
    assert.doesNotThrow(() =>
      requireSameOrigin(post({ host: 'EXAMPLE.com:8080', origin: 'http://example.com:8080' })),
    );
  });

  test('X-Forwarded-Host, when a proxy set it, is the site’s host', () => {
    const behindProxy = { host: '10.0.0.5:3000', 'x-forwarded-host': 'www.example.com, 10.0.0.1' };
    assert.doesNotThrow(() => requireSameOrigin(post({ ...behindProxy, origin: 'https://www.example.com' })));
    assert.throws(
      () => requireSameOrigin(post({ ...behindProxy, origin: 'http://10.0.0.5:3000' })),
      forbidden,
    );
  });

  test('another site, another port, "null" and garbage are 403', () => {
    for (const origin of ['https://evil.example', 'http://example.com:8081', 'null', 'not a url']) {
      assert.throws(() => requireSameOrigin(post({ host: 'example.com:8080', origin })), forbidden, origin);
    }
  });
});

describe('clientAddress', () => {
  test('the last X-Forwarded-For entry is the peer; each trusted proxy moves the client one to the left', () => {
    const headers = (value: string) => new Headers({ 'x-forwarded-for': value });
    // No proxy (the default): the peer the server recorded last; whatever the client sent is to its left.
    assert.equal(clientAddress(headers('1.1.1.1, 203.0.113.7'), 0), '203.0.113.7');
    // One proxy: it appended the client, and the server appended the proxy.
    assert.equal(clientAddress(headers('9.9.9.9, 203.0.113.7, 10.0.0.2'), 1), '203.0.113.7');
    assert.equal(clientAddress(headers(' 1.1.1.1 , 203.0.113.7 , 10.0.0.1, 10.0.0.2'), 2), '203.0.113.7');
    // Fewer entries than proxies: the leftmost there is.
    assert.equal(clientAddress(headers('203.0.113.7'), 3), '203.0.113.7');
    assert.equal(clientAddress(headers(''), 1), 'unknown');
    assert.equal(clientAddress(headers(' , '), 1), 'unknown');
    assert.equal(clientAddress(new Headers(), 1), 'unknown');
    assert.equal(clientAddress(headers('x'.repeat(500)), 1).length, 64);
  });

  test('a limit counts IPv4 addresses as they are, IPv6 ones by their /64', () => {
    const cases = {
      '203.0.113.7': '203.0.113.7',
      '2001:db8:1:2:3:4:5:6': '2001:db8:1:2::/64',
      '2001:DB8:1:2::9': '2001:db8:1:2::/64',
      '2001:db8::': '2001:db8:0:0::/64',
      '1::2:3:4:5:6:7': '1:0:2:3::/64',
      '::ffff:192.0.2.1': '192.0.2.1',
      '::FFFF:c000:0201': '192.0.2.1',
      'fe80::1%eth0': 'fe80:0:0:0::/64',
      unknown: 'unknown',
    };
    for (const [address, counted] of Object.entries(cases))
      assert.equal(rateLimitedAs(address), counted, address);
  });
});

const configError = (name: string) => (error: unknown) =>
  error instanceof ConfigError && error.message.startsWith(`${name} must`);

describe('configuration', () => {
  test('defaults: SQLite in ./.data, 5 messages per 10 minutes, no proxies, no token', () => {
    const { database, apiToken, contactRateLimit, trustedProxies } = readConfig({});
    assert.deepEqual(
      { database, apiToken, contactRateLimit, trustedProxies },
      {
        database: { kind: 'sqlite', file: path.resolve('.data/app.db'), synchronous: 'normal' },
        apiToken: undefined,
        contactRateLimit: { limit: 5, windowSeconds: 600 },
        trustedProxies: 0,
      },
    );
    // An empty or blank value means unset, as deploy dashboards write it.
    assert.deepEqual(readConfig({ CONTACT_RATE_LIMIT: ' ', API_TOKEN: '' }), readConfig({}));
  });

  test('DATABASE_URL: file: paths in every form, PostgreSQL with its ?schema= taken out', () => {
    const sqlite = (url: string) => readConfig({ DATABASE_URL: url }).database;
    const normal = { kind: 'sqlite', synchronous: 'normal' };
    assert.deepEqual(sqlite('file:./x/app.db'), { ...normal, file: path.resolve('x/app.db') });
    assert.deepEqual(sqlite('file:/tmp/app.db'), { ...normal, file: '/tmp/app.db' });
    assert.deepEqual(sqlite('file:///tmp/app.db'), { ...normal, file: '/tmp/app.db' });
    assert.deepEqual(sqlite('file://localhost/tmp/app.db'), { ...normal, file: '/tmp/app.db' });
    assert.deepEqual(sqlite('file:///tmp/my%20app.db'), { ...normal, file: '/tmp/my app.db' });
    assert.deepEqual(sqlite('file:app.db'), { ...normal, file: path.resolve('app.db') });
    // Forms that would be misread are refused, naming the forms that work.
    for (const misread of [
      'file://./data/app.db',
      'file://host/app.db',
      'file:./app.db?mode=rwc',
      'file:///',
      'file://',
    ]) {
      assert.throws(() => readConfig({ DATABASE_URL: misread }), configError('DATABASE_URL'), misread);
    }
    assert.deepEqual(readConfig({ SQLITE_SYNCHRONOUS: 'full' }).database, {
      ...normal,
      synchronous: 'full',
      file: path.resolve('.data/app.db'),
    });
    assert.throws(() => readConfig({ SQLITE_SYNCHRONOUS: 'off' }), configError('SQLITE_SYNCHRONOUS'));
    assert.deepEqual(
      readConfig({
        DATABASE_URL: 'postgresql://u@db:5432/app?schema=tenant_1&sslmode=require',
        DATABASE_POOL_MAX: '4',
      }).database,
      {
        kind: 'postgres',
        url: 'postgresql://u@db:5432/app?sslmode=require',
        poolMax: 4,
        queryTimeoutMs: 10_000,
        schema: 'tenant_1',
      },
    );
    const timeoutOf = (seconds: string) => {
      const { database } = readConfig({
        DATABASE_URL: 'postgres://db/app',
        DATABASE_QUERY_TIMEOUT_SECONDS: seconds,
      });
      return database.kind === 'postgres' ? database.queryTimeoutMs : undefined;
    };
    assert.equal(timeoutOf('30'), 30_000);
    for (const bad of ['0', '1.5', '3601']) {
      assert.throws(() => timeoutOf(bad), configError('DATABASE_QUERY_TIMEOUT_SECONDS'), bad);
    }
    for (const bad of ['mysql://x', 'file:', 'postgres://h/db?schema=Bad-Name', './app.db']) {
      assert.throws(() => readConfig({ DATABASE_URL: bad }), ConfigError, bad);
    }
    assert.throws(() => readConfig({ DATABASE_URL: 'mysql://x' }), /postgresql:\/\//);
  });

  test('CONTACT_RATE_LIMIT: <requests>/<seconds>; anything else stops the start naming the variable', () => {
    assert.deepEqual(readConfig({ CONTACT_RATE_LIMIT: '20/3600' }).contactRateLimit, {
      limit: 20,
      windowSeconds: 3600,
    });
    assert.deepEqual(readConfig({ CONTACT_RATE_LIMIT: '1/86400' }).contactRateLimit, {
      limit: 1,
      windowSeconds: 86400,
    });
    for (const value of ['5', '0/600', '5/0', '5/86401', '-1/60', '5/10m', '1.5/60', '5 / 600']) {
      assert.throws(
        () => readConfig({ CONTACT_RATE_LIMIT: value }),
        configError('CONTACT_RATE_LIMIT'),
        value,
      );
    }
  });

  test('the production server: every core, 10 s for a request head, 30 s for a whole request', () => {
    const { server } = readConfig({});
    assert.equal(server.workers, availableParallelism());
    assert.deepEqual(
      [
        server.port,
        server.headersTimeoutMs,
        server.requestTimeoutMs,
        server.keepAliveTimeoutMs,
        server.logFormat,
      ],
      [3000, 10_000, 30_000, 5_000, 'text'],
    );
    assert.equal(readConfig({ WEB_CONCURRENCY: '1' }).server.workers, 1);
    assert.throws(() => readConfig({ WEB_CONCURRENCY: '0' }), configError('WEB_CONCURRENCY'));
    assert.throws(() => readConfig({ LOG_FORMAT: 'xml' }), configError('LOG_FORMAT'));
  });

  test('the other settings, and several bad ones named together', () => {
    assert.equal(readConfig({ TRUSTED_PROXIES: '2' }).trustedProxies, 2);
    assert.equal(readConfig({ API_TOKEN: 'a-token-of-16-chars' }).apiToken, 'a-token-of-16-chars');
    assert.throws(() => readConfig({ TRUSTED_PROXIES: '10' }), configError('TRUSTED_PROXIES'));
    assert.throws(() => readConfig({ API_TOKEN: 'short' }), configError('API_TOKEN'));
    assert.throws(() => readConfig({ DATABASE_POOL_MAX: '0' }), configError('DATABASE_POOL_MAX'));
    assert.throws(
      () => readConfig({ API_TOKEN: 'short', TRUSTED_PROXIES: 'x' }),
      (error) =>
        error instanceof ConfigError &&
        /API_TOKEN/.test(error.message) &&
        /TRUSTED_PROXIES/.test(error.message),
    );
  });

  test('CORS_ORIGINS: origins as browsers send them; a path, a wildcard or a user name is refused', () => {
    assert.deepEqual(readConfig({}).corsOrigins, new Set());
    assert.deepEqual(
      readConfig({ CORS_ORIGINS: 'https://App.Example.com, http://localhost:5173/ https://a.example:443' })
        .corsOrigins,
      new Set(['https://app.example.com', 'http://localhost:5173', 'https://a.example']),
    );
    for (const bad of [
      '*',
      'app.example.com',
      'https://app.example.com/path',
      'ftp://x.example',
      'https://u@x.example',
    ]) {
      assert.throws(() => readConfig({ CORS_ORIGINS: bad }), configError('CORS_ORIGINS'), bad);
    }
  });

  test('HSTS_MAX_AGE_SECONDS: none by default, up to two years', () => {
    assert.equal(readConfig({}).server.hstsMaxAgeSeconds, 0);
    assert.equal(readConfig({ HSTS_MAX_AGE_SECONDS: '31536000' }).server.hstsMaxAgeSeconds, 31_536_000);
    assert.throws(
      () => readConfig({ HSTS_MAX_AGE_SECONDS: '63072001' }),
      configError('HSTS_MAX_AGE_SECONDS'),
    );
  });
});

describe('what a database error means', () => {
  test('a database that cannot be reached or is busy is unavailable, with a delay to retry after', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'SQLITE_BUSY',
      'SQLITE_BUSY_SNAPSHOT',
      '57P01',
      '53300',
      '08006',
    ]) {
      const outcome = outcomeOf(Object.assign(new Error('x'), { code }));
      assert.equal(outcome?.outcome, 'unavailable', code);
      assert.equal(outcome?.retryAfterSeconds, 5);
    }
    assert.equal(outcomeOf(new Error('Connection terminated unexpectedly'))?.outcome, 'unavailable');
  });

  test('anything else is not an outcome but a fault, for the 500 path', () => {
    for (const code of ['23505', 'SQLITE_CONSTRAINT_UNIQUE', '42P01', 'SQLITE_ERROR', undefined]) {
      assert.equal(outcomeOf(Object.assign(new Error('x'), { code })), undefined, String(code));
    }
  });
});

describe('form state', () => {
  const values = { name: 'Ann' };

  test('field errors come as a plain object (React sends no other kind), with the values kept', () => {
    const errors = Object.assign(Object.create(null) as FieldErrors, {
      email: ['must be a valid email address'],
    });
    const state = invalidFormState(errors, values);
    assert.deepEqual(state.errors, { email: ['must be a valid email address'] });
    assert.equal(Object.getPrototypeOf(state.errors), Object.prototype);
    assert.deepEqual({ status: state.status, values: state.values }, { status: 'error', values });
  });

  test('a domain refusal gives its own words; a fault of ours an apology that reveals nothing', () => {
    const tooMany = new DomainError('rate_limited', 'Too many messages; try again in 5 seconds.', 5);
    assert.deepEqual(failedFormState(tooMany, values), {
      status: 'error',
      values,
      message: 'Too many messages; try again in 5 seconds.',
    });
    const original = console.error;
    console.error = () => undefined;
    try {
      const down = failedFormState(
        Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5432'), { code: 'ECONNREFUSED' }),
        values,
      );
      assert.match(down.message ?? '', /not available right now/);
      assert.doesNotMatch(down.message ?? '', /ECONNREFUSED|10\.0/);
      const state = failedFormState(new Error('SQLITE_ERROR: no such table at /work/db.ts'), values);
      assert.equal(state.status, 'error');
      assert.doesNotMatch(state.message ?? '', /SQLITE|\/work/);
      assert.deepEqual(state.values, values);
    } finally {
      console.error = original;
    }
  });
});
