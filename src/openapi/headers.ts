import * as v from 'valibot';

const text = (description: string, ...checks: v.PipeItem<string, string, v.BaseIssue<unknown>>[]) =>
  v.pipe(v.string(), v.description<string, string>(description), ...checks);

/**
 * The response headers an operation may name (`#/components/headers/<name>`), and whether every response
 * that names one carries it. Prose: what the code that sets them cannot say about itself.
 */
export const RESPONSE_HEADERS = {
  ETag: {
    required: true,
    schema: text(
      'A strong entity tag of this representation, for If-None-Match (and, on a post, If-Match).',
      v.regex(/^"[^"]*"$/),
    ),
  },
  Location: {
    required: true,
    schema: text('The path of the created post.', v.startsWith('/api/posts/')),
  },
  Link: {
    required: false,
    schema: text(
      'The next page, as `<…?cursor=…&limit=…>; rel="next"` (RFC 8288); absent on the last page. Filters are kept.',
      v.endsWith('; rel="next"'),
    ),
  },
  Allow: { required: true, schema: text('The methods this path serves, comma-separated.') },
  'WWW-Authenticate': {
    required: true,
    schema: text('`Bearer realm="api"`, with `error="invalid_token"` for a wrong token.'),
  },
  'Retry-After': {
    required: true,
    schema: text('Seconds to wait before trying again.', v.regex(/^[0-9]+$/)),
  },
  'Accept-Post': { required: true, schema: text('The media type this route reads.') },
  'Cache-Control': { required: true, schema: text('How long a client or cache may reuse the response.') },
  'Idempotent-Replayed': {
    required: false,
    schema: v.pipe(
      v.literal('true'),
      v.description(
        'Present when this is the stored response to an earlier request with the same Idempotency-Key.',
      ),
    ),
  },
} satisfies Record<string, { required: boolean; schema: v.GenericSchema }>;
