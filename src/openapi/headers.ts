import type { JsonSchema } from './json-schema';

type Header = ReturnType<typeof header>;

const header = (required: boolean, description: string, schema: JsonSchema = {}) => ({
  required,
  description,
  schema: { type: 'string', ...schema } satisfies JsonSchema,
});

/**
 * The response headers an operation may name (`#/components/headers/<name>`), and whether every response
 * that names one carries it. Prose: what the code that sets them cannot say about itself.
 */
export const RESPONSE_HEADERS: Record<string, Header> = {
  ETag: header(
    true,
    'A strong entity tag of this representation, for If-None-Match (and, on a post, If-Match).',
    { pattern: '^"[^"]*"$' },
  ),
  Location: header(true, 'The path of the created post.', { pattern: '^/api/posts/' }),
  Link: header(
    false,
    'The next page, as `<…?cursor=…&limit=…>; rel="next"` (RFC 8288); absent on the last page. Filters are kept.',
    { pattern: '; rel="next"$' },
  ),
  Allow: header(true, 'The methods this path serves, comma-separated.'),
  'WWW-Authenticate': header(true, '`Bearer realm="api"`, with `error="invalid_token"` for a wrong token.'),
  'Retry-After': header(true, 'Seconds to wait before trying again.', { pattern: '^[0-9]+$' }),
  'Accept-Post': header(true, 'The media type this route reads.'),
  'Accept-Encoding': header(true, 'The content coding a request body may have: `identity` (uncompressed).', {
    const: 'identity',
  }),
  'Cache-Control': header(true, 'How long a client or cache may reuse the response.'),
  'Idempotent-Replayed': header(
    false,
    'Present when this is the stored response to an earlier request with the same Idempotency-Key.',
    { const: 'true' },
  ),
};
