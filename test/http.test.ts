import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as v from 'valibot';
import { decodeJson, readBodyBytes } from '../src/http/body';
import {
  MAX_IF_MATCH_TAGS,
  conditionCannotHold,
  etagFor,
  ifNoneMatchHits,
  versionCondition,
  versionsAcceptedByIfMatch,
} from '../src/http/etag';
import { decodeCursor, encodeCursor, nextPageLink } from '../src/http/paging';
import { HttpError, errorToResponse } from '../src/http/problem';
import { PathId } from '../src/validation';

const readJsonBody = async (request: Request, maxBytes = 64 * 1024) =>
  decodeJson(await readBodyBytes(request, maxBytes));

const statusOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return error instanceof HttpError ? error.status : String(error);
  }
};

function jsonRequest(body: BodyInit | null, headers: Record<string, string> = {}) {
  return new Request('http://x/api', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    duplex: 'half',
  } as RequestInit);
}

describe('readJsonBody', () => {
  test('parses JSON, +json types and a UTF-8 charset', async () => {
    assert.deepEqual(await readJsonBody(jsonRequest('{"a":1}')), { a: 1 });
    const problem = jsonRequest('{"b":2}', { 'content-type': 'application/merge-patch+json; charset=UTF-8' });
    assert.deepEqual(await readJsonBody(problem), { b: 2 });
  });

  test('415 / 400 / 413 for the wrong media type, bad bytes and size', async () => {
    assert.equal(await statusOf(readJsonBody(jsonRequest('{}', { 'content-type': 'text/json' }))), 415);
    assert.equal(await statusOf(readJsonBody(jsonRequest('{}', { 'content-type': '' }))), 415);
    assert.equal(await statusOf(readJsonBody(jsonRequest(''))), 400);
    assert.equal(await statusOf(readJsonBody(jsonRequest('{"a":'))), 400);
    assert.equal(await statusOf(readJsonBody(jsonRequest(new Uint8Array([0x22, 0xc3, 0x28, 0x22])))), 400);
    assert.equal(await statusOf(readJsonBody(jsonRequest('{}', { 'content-length': '70000' }), 65536)), 413);
  });

  test('a compressed body is a 415 that says what is read, not JSON taken as it is', async () => {
    for (const coding of ['gzip', 'br', 'identity, gzip', 'x-unknown']) {
      const refused = await readJsonBody(jsonRequest('{}', { 'content-encoding': coding })).catch(
        (error: unknown) => error,
      );
      assert.ok(refused instanceof HttpError, coding);
      assert.equal(refused.status, 415);
      assert.match(refused.message, /uncompressed/);
      const response = errorToResponse(refused);
      assert.equal(response.headers.get('accept-encoding'), 'identity');
      assert.equal(response.headers.get('accept-post'), 'application/json');
    }
    assert.deepEqual(await readJsonBody(jsonRequest('{"a":1}', { 'content-encoding': 'identity' })), {
      a: 1,
    });
  });

  test('stops reading a streamed body at the cap', async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
      },
    });
    assert.equal(await statusOf(readJsonBody(jsonRequest(endless), 64 * 1024)), 413);
    assert.ok(pulled <= 6, `read ${pulled} chunks of 16 KiB for a 64 KiB cap`);
  });
});

describe('entity tags', () => {
  test('strong tags from id and version; If-None-Match is weak, If-Match is strong', () => {
    const tag = etagFor(7, 3);
    assert.equal(tag, '"7.3"');
    assert.equal(ifNoneMatchHits(`"1.1", W/${tag}`, tag), true);
    assert.equal(ifNoneMatchHits('*', tag), true);
    assert.equal(ifNoneMatchHits('"7.2"', tag), false);
    assert.equal(ifNoneMatchHits(undefined, tag), false);
    assert.deepEqual(versionsAcceptedByIfMatch('"7.3", "7.4"', 7), [3, 4]);
    assert.deepEqual(versionsAcceptedByIfMatch(`W/${tag}`, 7), []);
    assert.deepEqual(versionsAcceptedByIfMatch('"8.3"', 7), []);
    assert.deepEqual(versionsAcceptedByIfMatch('garbage', 7), []);
    assert.equal(versionsAcceptedByIfMatch('*', 7), undefined);
    assert.equal(versionsAcceptedByIfMatch(undefined, 7), undefined);
    // Every tag counts, wherever it is; tags of other posts and repeats are no cost. More versions of this
    // post than the cap is a 400, not a list cut short (a tag past the cut could be the current one).
    const others = Array.from({ length: 40 }, (_, index) => `"8.${index}"`);
    const repeated = Array.from({ length: 40 }, (_, index) => `"7.${index % MAX_IF_MATCH_TAGS}"`);
    assert.deepEqual(
      versionsAcceptedByIfMatch([...others, ...repeated].join(', '), 7)?.sort((a, b) => a - b),
      [...Array(MAX_IF_MATCH_TAGS).keys()],
    );
    const tooMany = [...repeated, `"7.${MAX_IF_MATCH_TAGS}"`].join(', ');
    assert.throws(() => versionsAcceptedByIfMatch(tooMany, 7), { status: 400 });
    assert.throws(() => versionCondition({ 'If-None-Match': tooMany }, 7), { status: 400 });
  });

  test('a write’s conditions on a version: If-Match accepts, If-None-Match (weakly) refuses', () => {
    const condition = (ifMatch?: string, ifNoneMatch?: string) =>
      versionCondition({ 'If-Match': ifMatch, 'If-None-Match': ifNoneMatch }, 7);
    assert.deepEqual(condition(undefined, '"7.3", W/"7.4", "8.5"'), { accepted: undefined, refused: [3, 4] });
    assert.deepEqual(condition('"7.3"', '*'), { accepted: [3], refused: '*' });
    assert.deepEqual(condition(), { accepted: undefined, refused: undefined });
    assert.equal(conditionCannotHold(condition('"8.1"')), true);
    assert.equal(conditionCannotHold(condition(undefined, '*')), true);
    assert.equal(conditionCannotHold(condition('"7.1"', '"7.2"')), false);
  });
});

describe('paging and ids', () => {
  test('cursors round-trip and foreign ones are a 400', () => {
    assert.equal(decodeCursor(encodeCursor(42)), 42);
    assert.equal(decodeCursor(undefined), undefined);
    assert.equal(decodeCursor(encodeCursor(Number.MAX_SAFE_INTEGER - 1)), Number.MAX_SAFE_INTEGER - 1);
    // Every cursor the pattern admits is one: the largest names a safe integer.
    assert.equal(decodeCursor('zzzzzzzzzzz'), Number.MAX_SAFE_INTEGER);
    for (const bad of ['', 'ABC', 'a-b', 'zzzzzzzzzzzz', Buffer.from('{"before":1}').toString('base64url')]) {
      assert.throws(
        () => decodeCursor(bad),
        (error) => error instanceof HttpError && error.status === 400,
      );
    }
  });

  test('the next link keeps filters and limit', () => {
    assert.equal(
      nextPageLink('/api/posts', { author: 'a b', q: undefined }, 'CUR', 5),
      '</api/posts?author=a+b&cursor=CUR&limit=5>; rel="next"',
    );
  });

  test('path ids are canonical positive integers, however large', () => {
    assert.equal(v.parse(PathId, '15'), 15);
    assert.equal(v.parse(PathId, '9007199254740993'), 9007199254740992);
    assert.equal(v.parse(PathId, '1'.repeat(400)), Number.MAX_VALUE);
    for (const bad of ['0', '015', '-1', '1e2', ' 1', '1.0', '', 'abc']) {
      assert.equal(v.is(PathId, bad), false, bad);
    }
  });
});

describe('problem responses', () => {
  test('unexpected errors become a bare 500 that says nothing of the cause', async () => {
    const original = console.error;
    console.error = () => undefined;
    try {
      const response = errorToResponse(new Error('SQLITE_ERROR: no such table: posts at /work/db.ts:1:1'));
      assert.equal(response.status, 500);
      const body = await response.text();
      assert.doesNotMatch(body, /SQLITE|posts|\/work/);
    } finally {
      console.error = original;
    }
  });
});
