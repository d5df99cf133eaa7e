import * as v from 'valibot';
import { HealthProblem, HealthStatus } from '../health';
import { JSON_BODY_LIMIT_BYTES } from '../http/limits.mjs';
import { PathId } from '../http/params';
import { ProblemDetails } from '../http/problem';
import type { API_ROUTES, ApiRoutePattern } from '../http/routes';
import {
  CONTACT_HONEYPOT_FIELD,
  ContactFormAccepted,
  ContactMessage,
  ContactSubmission,
  MessageListQuery,
} from '../messages/schema';
import { IdempotencyKeyHeader, Post, PostInput, PostListQuery, PostPatch } from '../posts/schema';

/**
 * What the API description says about each operation, keyed by route pattern and method. The document
 * (document.ts) is built from this table and API_ROUTES; the type below makes a route without a description
 * (or a description without a route) a compile error, and test/openapi.test.ts checks the same at run time.
 */

/** `GET /api/hello`: the service's original greeting. */
const Greeting = v.strictObject({ message: v.literal('Hello, world!') });

/** The body of `GET /api/openapi.json`: this document (described only as far as a client relies on it). */
const OpenApiDocument = v.pipe(
  v.looseObject({
    openapi: v.pipe(v.string(), v.startsWith('3.1.')),
    info: v.looseObject({ title: v.string(), version: v.string() }),
    paths: v.record(v.string(), v.record(v.string(), v.unknown())),
  }),
  v.description('An OpenAPI 3.1 document: this one.'),
);

/** Named schemas (`#/components/schemas/<name>`): request bodies as sent, responses as received. */
export const REQUEST_SCHEMAS = { PostInput, PostPatch, ContactSubmission };
export const RESPONSE_SCHEMAS = {
  Post,
  ContactMessage,
  ContactFormAccepted,
  Problem: ProblemDetails,
  HealthStatus,
  HealthProblem,
  Greeting,
  OpenApiDocument,
};

/** Path parameters, by the name in a route pattern's `[name]` segment. */
export const PATH_PARAMETERS = {
  id: { schema: PathId, description: 'The post id: a positive integer.' },
} as const;

/** Request headers an operation reads (`#/components/parameters/<name>`). */
export const REQUEST_HEADERS = {
  'If-Match': v.pipe(
    v.string(),
    v.description(
      'Write only if the post is still at one of these entity tags (from an ETag); otherwise 412 and nothing changes.',
    ),
  ),
  'If-None-Match': v.pipe(
    v.string(),
    v.description(
      'The entity tag (ETag) of the copy the client has: 304 without a body while it is current.',
    ),
  ),
  'Idempotency-Key': IdempotencyKeyHeader,
};

/** Response headers (`#/components/headers/<name>`), and whether every response that lists one carries it. */
export const RESPONSE_HEADERS = {
  ETag: {
    required: true,
    schema: v.pipe(
      v.string(),
      v.description(
        'A strong entity tag of this representation, for If-None-Match (and, on a post, If-Match).',
      ),
      v.regex(/^"[^"]*"$/),
    ),
  },
  Location: {
    required: true,
    schema: v.pipe(v.string(), v.description('The path of the created post.'), v.startsWith('/api/posts/')),
  },
  Link: {
    required: false,
    schema: v.pipe(
      v.string(),
      v.description(
        'The next page, as `<…?cursor=…&limit=…>; rel="next"` (RFC 8288); absent on the last page. Filters are kept.',
      ),
      v.endsWith('; rel="next"'),
    ),
  },
  Allow: {
    required: true,
    schema: v.pipe(v.string(), v.description('The methods this path serves, comma-separated.')),
  },
  'WWW-Authenticate': {
    required: true,
    schema: v.pipe(
      v.string(),
      v.description('`Bearer realm="api"`, with `error="invalid_token"` for a wrong token.'),
    ),
  },
  'Retry-After': {
    required: true,
    schema: v.pipe(v.string(), v.description('Seconds to wait before trying again.'), v.regex(/^[0-9]+$/)),
  },
  'Accept-Post': {
    required: true,
    schema: v.pipe(v.string(), v.description('The media type this route reads.')),
  },
  'Cache-Control': {
    required: true,
    schema: v.pipe(v.string(), v.description('How long a client or cache may reuse the response.')),
  },
  'Idempotent-Replayed': {
    required: false,
    schema: v.pipe(
      v.literal('true'),
      v.description(
        'Present when this is the stored response to an earlier request with the same Idempotency-Key.',
      ),
    ),
  },
} as const;

export const TAGS = {
  Posts: 'Posts: a JSON array per page (newest first), keyset paging, ETags and conditional writes.',
  Contact: 'Contact messages: the form for everyone, the list for the operator.',
  Service: 'The service itself: greeting, health and this description.',
} as const;

export type ResponseHeaderName = keyof typeof RESPONSE_HEADERS;
export type RequestHeaderName = keyof typeof REQUEST_HEADERS;

export interface ResponseDescription {
  description: string;
  /** The JSON body. Statuses from 400 up carry ProblemDetails as application/problem+json unless this says otherwise. */
  body?: v.GenericSchema;
  headers?: readonly ResponseHeaderName[];
}

export interface OperationDescription {
  operationId: string;
  summary: string;
  description?: string;
  tag: keyof typeof TAGS;
  /**
   * `post-writes`: the bearer token, but only when the server has API_TOKEN set.
   * `operator`: the bearer token, always (and nobody gets in when no token is configured).
   */
  access?: 'post-writes' | 'operator';
  /** An object schema of the search parameters (they all are optional strings on the wire). */
  query?: v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;
  requestHeaders?: readonly RequestHeaderName[];
  /** A JSON request body: one of REQUEST_SCHEMAS. */
  body?: v.GenericSchema;
  responses: Readonly<Record<number, ResponseDescription>>;
}

type OperationTable = {
  readonly [Pattern in ApiRoutePattern]: {
    readonly [Method in (typeof API_ROUTES)[Pattern][number]]: OperationDescription;
  };
};

const KIB = JSON_BODY_LIMIT_BYTES / 1024;

const unavailable = {
  503: {
    description: 'The database is not answering; try again after the delay given.',
    headers: ['Retry-After'],
  },
} as const satisfies Record<number, ResponseDescription>;

const needsToken = {
  401: {
    description: 'No bearer token, or not the right one.',
    headers: ['WWW-Authenticate'],
  },
} as const satisfies Record<number, ResponseDescription>;

/** What reading a JSON body (src/http/body.ts) and checking it against its schema (parseBody) can refuse. */
const jsonBodyProblems = {
  413: { description: `The body is larger than ${KIB} KiB.` },
  415: {
    description: 'The body is not declared as JSON in UTF-8 (`Content-Type: application/json`).',
    headers: ['Accept-Post'],
  },
  422: {
    description:
      'The body does not match the schema, or names a field that is unknown or set by the server; `errors` says which.',
  },
} as const satisfies Record<number, ResponseDescription>;
const malformedBody = 'The body is empty, not UTF-8 or not well-formed JSON.';

const badPostId = 'The id is not a positive integer.';
const noSuchPost = { 404: { description: 'No post has this id.' } } as const;
const staleTag = {
  412: {
    description:
      'If-Match named none of the current tags: the post changed since it was read. Nothing changed.',
  },
} as const;

/** PUT and PATCH answer alike: the post as it is now, or why it was not changed. */
const changedPostResponses = {
  200: { description: 'The post as it is now.', body: Post, headers: ['ETag'] },
  400: { description: `${badPostId} Or: ${malformedBody}` },
  ...needsToken,
  ...noSuchPost,
  ...staleTag,
  ...jsonBodyProblems,
  ...unavailable,
} satisfies OperationDescription['responses'];

export const OPERATIONS = {
  '/api/health': {
    GET: {
      operationId: 'getHealth',
      summary: 'Check that the service and its database answer',
      tag: 'Service',
      responses: {
        200: { description: 'The database answered a query just now.', body: HealthStatus },
        503: {
          description: 'The database is not answering.',
          body: HealthProblem,
          headers: ['Retry-After'],
        },
      },
    },
  },
  '/api/hello': {
    GET: {
      operationId: 'getHello',
      summary: 'Say hello',
      tag: 'Service',
      responses: { 200: { description: 'The greeting.', body: Greeting } },
    },
  },
  '/api/messages': {
    GET: {
      operationId: 'listMessages',
      summary: 'List contact messages (operator only)',
      description: 'Newest first, paged like posts. Messages are personal data: this always needs the token.',
      tag: 'Contact',
      access: 'operator',
      query: MessageListQuery,
      responses: {
        200: { description: 'A page of messages.', body: v.array(ContactMessage), headers: ['Link'] },
        400: { description: 'limit or cursor is not valid.' },
        ...needsToken,
        ...unavailable,
      },
    },
  },
  '/api/openapi.json': {
    GET: {
      operationId: 'getOpenApiDocument',
      summary: 'This API description',
      description:
        'OpenAPI 3.1, generated from the schemas the server validates with. Cacheable; revalidate with its ETag.',
      tag: 'Service',
      requestHeaders: ['If-None-Match'],
      responses: {
        200: { description: 'The document.', body: OpenApiDocument, headers: ['ETag', 'Cache-Control'] },
        304: { description: 'The copy the client has is current.', headers: ['ETag', 'Cache-Control'] },
      },
    },
  },
  '/api/posts': {
    GET: {
      operationId: 'listPosts',
      summary: 'List posts, newest first',
      description:
        'A JSON array of posts. When more exist, the `Link` header points to the next page; follow it rather ' +
        'than building cursors.',
      tag: 'Posts',
      query: PostListQuery,
      responses: {
        200: { description: 'A page of posts.', body: v.array(Post), headers: ['Link'] },
        400: {
          description:
            'A search parameter is not valid (limit out of range, a cursor this server did not issue).',
        },
        ...unavailable,
      },
    },
    POST: {
      operationId: 'createPost',
      summary: 'Create a post',
      description:
        '`id`, `createdAt` and `updatedAt` are set by the server. Send an Idempotency-Key to retry safely.',
      tag: 'Posts',
      access: 'post-writes',
      requestHeaders: ['Idempotency-Key'],
      body: PostInput,
      responses: {
        201: {
          description: 'The post was created (or, for a repeated Idempotency-Key, had been).',
          body: Post,
          headers: ['Location', 'ETag', 'Idempotent-Replayed'],
        },
        400: {
          description: `${malformedBody} Or the Idempotency-Key is not 1 to 255 visible ASCII characters.`,
        },
        ...needsToken,
        409: {
          description: 'A request with this Idempotency-Key is still in progress.',
          headers: ['Retry-After'],
        },
        ...jsonBodyProblems,
        422: {
          description: `${jsonBodyProblems[422].description} Or this Idempotency-Key was used with a different body.`,
        },
        ...unavailable,
      },
    },
  },
  '/api/posts/[id]': {
    GET: {
      operationId: 'getPost',
      summary: 'Read a post',
      tag: 'Posts',
      requestHeaders: ['If-None-Match'],
      responses: {
        200: { description: 'The post.', body: Post, headers: ['ETag'] },
        304: {
          description: 'If-None-Match named the current tag: the copy the client has is current.',
          headers: ['ETag'],
        },
        400: { description: badPostId },
        ...noSuchPost,
        ...unavailable,
      },
    },
    PUT: {
      operationId: 'replacePost',
      summary: 'Replace a post',
      description: 'Sets title, body and author; an author left out becomes `null`.',
      tag: 'Posts',
      access: 'post-writes',
      requestHeaders: ['If-Match'],
      body: PostInput,
      responses: changedPostResponses,
    },
    PATCH: {
      operationId: 'updatePost',
      summary: 'Change some fields of a post',
      description: 'Changes only the fields given; `author: null` removes the author.',
      tag: 'Posts',
      access: 'post-writes',
      requestHeaders: ['If-Match'],
      body: PostPatch,
      responses: changedPostResponses,
    },
    DELETE: {
      operationId: 'deletePost',
      summary: 'Delete a post',
      tag: 'Posts',
      access: 'post-writes',
      requestHeaders: ['If-Match'],
      responses: {
        204: { description: 'The post is gone.' },
        400: { description: badPostId },
        ...needsToken,
        ...noSuchPost,
        ...staleTag,
        ...unavailable,
      },
    },
  },
  '/api/submit-form': {
    POST: {
      operationId: 'submitContactForm',
      summary: 'Send a contact message',
      description:
        'The same schema, storage and per-client limit as the contact page. Messages are never shown publicly. ' +
        `\`${CONTACT_HONEYPOT_FIELD}\` belongs to the HTML form: API clients leave it out.`,
      tag: 'Contact',
      body: ContactSubmission,
      responses: {
        200: { description: 'The message is stored.', body: ContactFormAccepted },
        400: { description: malformedBody },
        403: { description: 'The request came from a page on another site (its `Origin` is not this host).' },
        ...jsonBodyProblems,
        429: {
          description: 'Too many messages from this client; try again after the delay given.',
          headers: ['Retry-After'],
        },
        ...unavailable,
      },
    },
  },
} as const satisfies OperationTable;
