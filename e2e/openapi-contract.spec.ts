import { randomUUID } from 'node:crypto';
import { expect, test, type APIRequestContext } from '@playwright/test';
import {
  documentedOperations,
  fetchDocument,
  schemaChecker,
  type OpenApiDocument,
  type Operation,
} from './support/openapi';

/**
 * Contract tests from the document: for every operation it lists, good and bad requests go to the running
 * server, and each answer's status must be one the operation documents, its body must match the documented
 * schema for that status (and media type), and its documented headers must be there and match theirs.
 */

interface Exchange {
  label: string;
  method: string;
  path: string;
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string is sent as it is (with the Content-Type given in `headers`). */
  data?: unknown;
  /** Documented but optional headers that this particular answer must carry (Link on a page with more). */
  present?: string[];
}

interface Fixture {
  request: APIRequestContext;
  /** A post of this test's own, with its current ETag. */
  post: { id: number; etag: string };
  newPost(fields?: Record<string, unknown>): Promise<{ id: number; etag: string }>;
}

const JSON_BODY = { 'Content-Type': 'application/json' };
// The suite's requests carry the token (playwright.config.ts); these replace it.
const NO_TOKEN = { Authorization: '' };
const WRONG_TOKEN = { Authorization: 'Bearer not-the-token-0123456789' };
const NO_SUCH_POST = 999_999_999_999;
// Over every route's cap (256 KiB for posts).
const TOO_LARGE = JSON.stringify({ title: 'Too large', body: 'x'.repeat(300 * 1024) });

const newPostBody = () => ({ title: `Contract ${randomUUID()}`, body: 'A body.', author: 'Contract' });
const exchange = (
  label: string,
  method: string,
  path: string,
  status: number,
  extra: Partial<Exchange> = {},
) => ({
  label,
  method,
  path,
  status,
  ...extra,
});
/** For an operation that takes no input at all, the bad request is a method its path does not serve. */
const notAllowed = (method: string, path: string) =>
  exchange('a method the path does not serve', method, path, 405);

async function twoMessages(request: APIRequestContext) {
  for (let index = 0; index < 2; index += 1) {
    const sent = await request.post('/api/submit-form', {
      data: { name: 'Contract', email: 'contract@example.com', message: `Message ${randomUUID()}` },
    });
    expect(sent.status()).toBe(200);
  }
}

/** The requests for each operation, by operationId. Every operation in the document must have an entry. */
const CASES: Record<string, (fixture: Fixture) => Promise<Exchange[]>> = {
  getHealth: async () => [exchange('health', 'GET', '/api/health', 200), notAllowed('POST', '/api/health')],
  getHealthHead: async () => [
    exchange('health', 'HEAD', '/api/health', 200),
    notAllowed('PUT', '/api/health'),
  ],
  optionsHealth: async () => [
    exchange('allow', 'OPTIONS', '/api/health', 204),
    notAllowed('DELETE', '/api/health'),
  ],

  getHello: async () => [exchange('greeting', 'GET', '/api/hello', 200), notAllowed('POST', '/api/hello')],
  getHelloHead: async () => [
    exchange('greeting', 'HEAD', '/api/hello', 200),
    notAllowed('PATCH', '/api/hello'),
  ],
  optionsHello: async () => [
    exchange('allow', 'OPTIONS', '/api/hello', 204),
    notAllowed('PUT', '/api/hello'),
  ],

  listMessages: async ({ request }) => {
    await twoMessages(request);
    return [
      exchange('a page with more after it', 'GET', '/api/messages?limit=1', 200, { present: ['Link'] }),
      exchange('no token', 'GET', '/api/messages', 401, { headers: NO_TOKEN }),
      exchange('a wrong token', 'GET', '/api/messages', 401, { headers: WRONG_TOKEN }),
      exchange('limit out of range', 'GET', '/api/messages?limit=0', 400),
      exchange('a foreign cursor', 'GET', '/api/messages?cursor=not-ours', 400),
    ];
  },
  listMessagesHead: async ({ request }) => {
    await twoMessages(request);
    return [
      exchange('a page with more after it', 'HEAD', '/api/messages?limit=1', 200, { present: ['Link'] }),
      exchange('no token', 'HEAD', '/api/messages', 401, { headers: NO_TOKEN }),
      exchange('limit out of range', 'HEAD', '/api/messages?limit=101', 400),
    ];
  },
  optionsMessages: async () => [
    exchange('allow', 'OPTIONS', '/api/messages', 204),
    notAllowed('POST', '/api/messages'),
  ],

  getOpenApiDocument: async ({ request }) => {
    const etag = (await request.get('/api/openapi.json')).headers()['etag'] as string;
    return [
      exchange('the document', 'GET', '/api/openapi.json', 200),
      exchange('revalidation', 'GET', '/api/openapi.json', 304, { headers: { 'If-None-Match': etag } }),
      notAllowed('POST', '/api/openapi.json'),
    ];
  },
  getOpenApiDocumentHead: async ({ request }) => {
    const etag = (await request.get('/api/openapi.json')).headers()['etag'] as string;
    return [
      exchange('the document', 'HEAD', '/api/openapi.json', 200),
      exchange('revalidation', 'HEAD', '/api/openapi.json', 304, { headers: { 'If-None-Match': etag } }),
      notAllowed('DELETE', '/api/openapi.json'),
    ];
  },
  optionsOpenapiJson: async () => [
    exchange('allow', 'OPTIONS', '/api/openapi.json', 204),
    notAllowed('PUT', '/api/openapi.json'),
  ],

  listPosts: async ({ newPost }) => {
    const author = `contract-${randomUUID()}`;
    await newPost({ author, title: 'Contract needle one' });
    await newPost({ author, title: 'Contract needle two' });
    const filter = `author=${author}`;
    return [
      exchange('the first page', 'GET', '/api/posts', 200),
      exchange('a filtered page with more', 'GET', `/api/posts?${filter}&limit=1`, 200, {
        present: ['Link'],
      }),
      exchange('text search', 'GET', `/api/posts?${filter}&q=needle`, 200),
      exchange('limit above 100', 'GET', '/api/posts?limit=101', 400),
      exchange('limit not a number', 'GET', '/api/posts?limit=ten', 400),
      exchange('a foreign cursor', 'GET', '/api/posts?cursor=not-ours', 400),
    ];
  },
  listPostsHead: async ({ newPost }) => {
    const author = `contract-${randomUUID()}`;
    await newPost({ author });
    await newPost({ author });
    return [
      exchange('a page with more', 'HEAD', `/api/posts?author=${author}&limit=1`, 200, { present: ['Link'] }),
      exchange('limit zero', 'HEAD', '/api/posts?limit=0', 400),
    ];
  },
  createPost: async () => {
    const key = randomUUID();
    const body = newPostBody();
    return [
      exchange('a new post', 'POST', '/api/posts', 201, { data: newPostBody() }),
      exchange('with an Idempotency-Key', 'POST', '/api/posts', 201, {
        data: body,
        headers: { 'Idempotency-Key': key },
      }),
      exchange('the same key again', 'POST', '/api/posts', 201, {
        data: body,
        headers: { 'Idempotency-Key': key },
        present: ['Idempotent-Replayed'],
      }),
      exchange('the same key, another body', 'POST', '/api/posts', 422, {
        data: newPostBody(),
        headers: { 'Idempotency-Key': key },
      }),
      exchange('a malformed Idempotency-Key', 'POST', '/api/posts', 400, {
        data: newPostBody(),
        headers: { 'Idempotency-Key': 'has spaces' },
      }),
      exchange('malformed JSON', 'POST', '/api/posts', 400, { data: '{"title":', headers: JSON_BODY }),
      exchange('no token', 'POST', '/api/posts', 401, { data: newPostBody(), headers: NO_TOKEN }),
      exchange('not JSON', 'POST', '/api/posts', 415, {
        data: 'title=x',
        headers: { 'Content-Type': 'text/plain' },
      }),
      exchange('too large', 'POST', '/api/posts', 413, { data: TOO_LARGE, headers: JSON_BODY }),
      exchange('no title', 'POST', '/api/posts', 422, { data: { body: 'A body.' } }),
      exchange('a server-owned field', 'POST', '/api/posts', 422, { data: { ...newPostBody(), id: 7 } }),
    ];
  },
  optionsPosts: async () => [
    exchange('allow', 'OPTIONS', '/api/posts', 204),
    notAllowed('DELETE', '/api/posts'),
  ],

  getPost: async ({ post }) => [
    exchange('a post', 'GET', `/api/posts/${post.id}`, 200),
    exchange('revalidation', 'GET', `/api/posts/${post.id}`, 304, {
      headers: { 'If-None-Match': post.etag },
    }),
    exchange('no such post', 'GET', `/api/posts/${NO_SUCH_POST}`, 404),
    exchange('not an id', 'GET', '/api/posts/abc', 400),
  ],
  getPostHead: async ({ post }) => [
    exchange('a post', 'HEAD', `/api/posts/${post.id}`, 200),
    exchange('no such post', 'HEAD', `/api/posts/${NO_SUCH_POST}`, 404),
    exchange('not an id', 'HEAD', '/api/posts/0', 400),
  ],
  replacePost: async ({ post }) => [
    exchange('a replacement', 'PUT', `/api/posts/${post.id}`, 200, {
      data: { title: 'Replaced', body: 'New body.' },
      headers: { 'If-Match': post.etag },
    }),
    exchange('a stale tag', 'PUT', `/api/posts/${post.id}`, 412, {
      data: { title: 'Lost', body: 'Lost.' },
      headers: { 'If-Match': post.etag },
    }),
    exchange('no body field', 'PUT', `/api/posts/${post.id}`, 422, { data: { title: 'Only a title' } }),
    exchange('a wrong token', 'PUT', `/api/posts/${post.id}`, 401, {
      data: newPostBody(),
      headers: WRONG_TOKEN,
    }),
    exchange('no such post', 'PUT', `/api/posts/${NO_SUCH_POST}`, 404, { data: newPostBody() }),
    exchange('not an id', 'PUT', '/api/posts/-1', 400, { data: newPostBody() }),
  ],
  updatePost: async ({ post }) => [
    exchange('a title change', 'PATCH', `/api/posts/${post.id}`, 200, { data: { title: 'Patched' } }),
    exchange('a stale tag', 'PATCH', `/api/posts/${post.id}`, 412, {
      data: { title: 'Lost' },
      headers: { 'If-Match': post.etag },
    }),
    exchange('nothing to change', 'PATCH', `/api/posts/${post.id}`, 422, { data: {} }),
    exchange('not JSON', 'PATCH', `/api/posts/${post.id}`, 415, {
      data: 'title=x',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    }),
    exchange('no token', 'PATCH', `/api/posts/${post.id}`, 401, { data: { title: 'x' }, headers: NO_TOKEN }),
    exchange('no such post', 'PATCH', `/api/posts/${NO_SUCH_POST}`, 404, { data: { title: 'x' } }),
  ],
  deletePost: async ({ post, newPost }) => {
    const doomed = await newPost();
    return [
      exchange('a stale tag', 'DELETE', `/api/posts/${doomed.id}`, 412, { headers: { 'If-Match': '"0.0"' } }),
      exchange('no token', 'DELETE', `/api/posts/${post.id}`, 401, { headers: NO_TOKEN }),
      exchange('a deletion', 'DELETE', `/api/posts/${doomed.id}`, 204, {
        headers: { 'If-Match': doomed.etag },
      }),
      exchange('already gone', 'DELETE', `/api/posts/${doomed.id}`, 404),
      exchange('not an id', 'DELETE', '/api/posts/1.5', 400),
    ];
  },
  optionsPostsById: async ({ post }) => [
    exchange('allow', 'OPTIONS', `/api/posts/${post.id}`, 204),
    notAllowed('POST', `/api/posts/${post.id}`),
  ],

  submitContactForm: async () => [
    exchange('a message', 'POST', '/api/submit-form', 200, {
      data: { name: 'Contract', email: 'contract@example.com', message: 'Hello.' },
    }),
    exchange('invalid fields', 'POST', '/api/submit-form', 422, {
      data: { name: '', email: 'not-an-email', message: '' },
    }),
    exchange('an unknown field', 'POST', '/api/submit-form', 422, {
      data: { name: 'N', email: 'n@example.com', message: 'M', phone: '1' },
    }),
    exchange('malformed JSON', 'POST', '/api/submit-form', 400, { data: '{', headers: JSON_BODY }),
    exchange('not JSON', 'POST', '/api/submit-form', 415, {
      data: 'name=x',
      headers: { 'Content-Type': 'text/plain' },
    }),
    exchange('too large', 'POST', '/api/submit-form', 413, { data: TOO_LARGE, headers: JSON_BODY }),
  ],
  optionsSubmitForm: async () => [
    exchange('allow', 'OPTIONS', '/api/submit-form', 204),
    notAllowed('GET', '/api/submit-form'),
  ],
};

/** Checks one answer against what the document says about `operation` at `path` and `method`. */
async function expectAsDocumented(
  request: APIRequestContext,
  document: OpenApiDocument,
  check: ReturnType<typeof schemaChecker>,
  where: { path: string; method: string; operation: Operation },
  sent: Exchange,
) {
  // A string goes as bytes: Playwright would encode it as a JSON string under a JSON Content-Type.
  const data = typeof sent.data === 'string' ? Buffer.from(sent.data) : sent.data;
  const response = await request.fetch(sent.path, { method: sent.method, headers: sent.headers, data });
  const label = `${sent.method} ${sent.path} (${sent.label})`;
  const body = await response.body();
  expect(response.status(), `${label}: ${body.toString()}`).toBe(sent.status);
  const headers = response.headers();
  const checkHeader = (name: string, value: string | undefined, required: boolean) => {
    if (required) expect(value, `${label}: the ${name} header`).toBeDefined();
    if (value !== undefined) check(['components', 'headers', name, 'schema'], value);
  };

  if (sent.status === 405) {
    // Not an operation's response but the method guard's, which the document's description promises for any
    // method a path does not list: a problem, and Allow.
    checkHeader('Allow', headers['allow'], true);
    if (sent.method !== 'HEAD') {
      expect(headers['content-type']).toBe('application/problem+json');
      check(['components', 'schemas', 'Problem'], JSON.parse(body.toString()));
    }
    return;
  }

  const status = String(sent.status);
  const documented = where.operation.responses[status];
  expect(
    documented,
    `${label}: ${status} is a documented status of ${where.operation.operationId}`,
  ).toBeDefined();

  const mediaTypes = Object.keys(documented?.content ?? {});
  if (mediaTypes.length === 0) {
    expect(body.length, `${label}: no body`).toBe(0);
  } else {
    const mediaType = headers['content-type']?.split(';')[0] ?? '';
    expect(mediaTypes, `${label}: Content-Type`).toContain(mediaType);
    const pointer = ['paths', where.path, where.method, 'responses', status, 'content', mediaType, 'schema'];
    check(pointer, JSON.parse(body.toString()));
  }

  const documentedHeaders = Object.keys(documented?.headers ?? {});
  for (const name of documentedHeaders) {
    const required = document.components.headers[name]?.required === true || !!sent.present?.includes(name);
    checkHeader(name, headers[name.toLowerCase()], required);
  }
  for (const name of sent.present ?? []) {
    expect(documentedHeaders, `${label}: ${name} is documented`).toContain(name);
  }
}

async function createPost(request: APIRequestContext, fields: Record<string, unknown> = {}) {
  const created = await request.post('/api/posts', { data: { ...newPostBody(), ...fields } });
  expect(created.status(), await created.text()).toBe(201);
  return { id: ((await created.json()) as { id: number }).id, etag: created.headers()['etag'] as string };
}

test('every documented operation has contract cases, good and bad', async ({ request }) => {
  const document = await fetchDocument(request);
  const ids = documentedOperations(document).map(({ operation }) => operation.operationId);
  expect(Object.keys(CASES).sort()).toEqual(ids.sort());
});

for (const [operationId, cases] of Object.entries(CASES)) {
  test(`${operationId} answers as documented`, async ({ request }) => {
    const document = await fetchDocument(request);
    const where = documentedOperations(document).find(
      ({ operation }) => operation.operationId === operationId,
    );
    expect(where, `${operationId} is in the document`).toBeDefined();
    if (!where) return;
    const fixture: Fixture = {
      request,
      post: await createPost(request),
      newPost: (fields) => createPost(request, fields),
    };
    const exchanges = await cases(fixture);
    expect(
      exchanges.some(({ status }) => status < 400),
      'a good request',
    ).toBe(true);
    expect(
      exchanges.some(({ status }) => status >= 400),
      'a bad request',
    ).toBe(true);
    const check = schemaChecker(document);
    for (const sent of exchanges) await expectAsDocumented(request, document, check, where, sent);
  });
}
