import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { ConfigError, readConfig } from '../src/config';
import { failedFormState } from '../src/forms';
import { clientAddress } from '../src/http/client';
import { requireSameOrigin } from '../src/http/origin';
import { HttpError, unprocessable, type FieldErrors } from '../src/http/problem';

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
  test('the entry the nearest trusted proxy wrote, so a client-sent prefix changes nothing', () => {
    const headers = (value: string) => new Headers({ 'x-forwarded-for': value });
    // One proxy (the default): the last entry; what the client put to its left is ignored.
    assert.equal(clientAddress(headers('1.1.1.1, 203.0.113.7'), 1), '203.0.113.7');
    assert.equal(clientAddress(headers('9.9.9.9, 1.1.1.1, 203.0.113.7'), 1), '203.0.113.7');
    // Two proxies: the client is second from the right.
    assert.equal(clientAddress(headers(' 1.1.1.1 , 203.0.113.7 , 10.0.0.1'), 2), '203.0.113.7');
    // None: the address Next.js recorded itself.
    assert.equal(clientAddress(headers('::1'), 0), '::1');
    // Fewer entries than proxies: the leftmost there is.
    assert.equal(clientAddress(headers('203.0.113.7'), 3), '203.0.113.7');
    assert.equal(clientAddress(headers(''), 1), 'unknown');
    assert.equal(clientAddress(headers(' , '), 1), 'unknown');
    assert.equal(clientAddress(new Headers(), 1), 'unknown');
    assert.equal(clientAddress(headers('x'.repeat(500)), 1).length, 64);
  });
});

describe('CONTACT_RATE_LIMIT', () => {
  const original = process.env.CONTACT_RATE_LIMIT;
  afterEach(() => {
    if (original === undefined) delete process.env.CONTACT_RATE_LIMIT;
    else process.env.CONTACT_RATE_LIMIT = original;
  });

  test('defaults to 5 per 10 minutes; <requests>/<seconds> sets it', () => {
    delete process.env.CONTACT_RATE_LIMIT;
    assert.deepEqual(readConfig().contactRateLimit, { limit: 5, windowSeconds: 600 });
    process.env.CONTACT_RATE_LIMIT = ' ';
    assert.deepEqual(readConfig().contactRateLimit, { limit: 5, windowSeconds: 600 });
    process.env.CONTACT_RATE_LIMIT = '20/3600';
    assert.deepEqual(readConfig().contactRateLimit, { limit: 20, windowSeconds: 3600 });
  });

  test('anything else stops the start with a message naming the variable', () => {
    for (const value of ['5', '0/600', '5/0', '5/86401', '-1/60', '5/10m', '1.5/60', '5 / 600']) {
      process.env.CONTACT_RATE_LIMIT = value;
      assert.throws(
        () => readConfig(),
        (error) => error instanceof ConfigError && error.message.startsWith('CONTACT_RATE_LIMIT must be'),
        value,
      );
    }
  });
});

describe('failedFormState', () => {
  const values = { name: 'Ann' };

  test('a 422 gives field errors as a plain object (React sends no other kind) and keeps the values', () => {
    const errors = Object.assign(Object.create(null) as FieldErrors, {
      email: ['must be a valid email address'],
    });
    const state = failedFormState(unprocessable('invalid', errors), values);
    assert.deepEqual(state.errors, { email: ['must be a valid email address'] });
    assert.equal(Object.getPrototypeOf(state.errors), Object.prototype);
    assert.deepEqual({ status: state.status, values: state.values }, { status: 'error', values });
  });

  test('another refusal gives its detail; a fault of ours an apology that reveals nothing', () => {
    const tooMany = new HttpError(429, 'Too many messages; try again in 5 seconds.');
    assert.deepEqual(failedFormState(tooMany, values), {
      status: 'error',
      values,
      message: 'Too many messages; try again in 5 seconds.',
    });
    const original = console.error;
    console.error = () => undefined;
    try {
      const state = failedFormState(new Error('SQLITE_ERROR: no such table at /work/db.ts'), values);
      assert.equal(state.status, 'error');
      assert.doesNotMatch(state.message ?? '', /SQLITE|\/work/);
      assert.deepEqual(state.values, values);
    } finally {
      console.error = original;
    }
  });
});
