import * as v from 'valibot';
import packageJson from '../../package.json';
import { JSON_BODY_LIMIT_BYTES } from '../http/body';
import { Problem } from '../http/problem';
import {
  allowedMethods,
  type AnyOperation,
  type ApiRoute,
  type DeclaredMethod,
  type ResponseSpec,
} from '../http/route';
import { RESPONSE_HEADERS } from './headers';
import { toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import { conversionConfig, type Definitions, type JsonSchema, type TypeMode } from './json-schema';

/** The document's parts, typed as the builder writes them (enough for the tests to walk it typed). */
export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
export type Operation = ReturnType<DocumentBuilder['operation']>;
type Parameter = ReturnType<DocumentBuilder['parameters']>[number];
type HttpMethod = 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete' | 'options';
export type PathItem = { parameters?: Parameter[] } & { [Method in HttpMethod]?: Operation };

/** `/api/posts/[id]` → `/api/posts/{id}`. */
export const openApiPath = (pattern: string) => pattern.replace(/\[([^\]]+)\]/g, '{$1}');

const TAGS = {
  Posts: 'Posts: a JSON array per page (newest first), keyset paging, ETags and conditional writes.',
  Contact: 'Contact messages: the form for everyone, the list for the operator.',
  Service: 'The service itself: greeting, health and this description.',
};

const POST_WRITE_ACCESS =
  'Needs `Authorization: Bearer <API_TOKEN>` when the server has API_TOKEN set, and is open to anyone when ' +
  'it does not (`postWrites` in GET /api/health says which).';

/** The answers an operation gives because of what it declares, rather than what it does. */
function impliedResponses(operation: AnyOperation): Record<number, ResponseSpec> {
  const invalid = [
    operation.params && 'a path parameter',
    operation.query && 'a query parameter',
    operation.headers && 'a request header',
    operation.body && 'the body (empty, not UTF-8 or not well-formed JSON)',
  ].filter(Boolean);
  const limit = operation.bodyLimit ?? JSON_BODY_LIMIT_BYTES;
  return {
    ...(invalid.length > 0 && {
      400: { description: `Not valid: ${invalid.join(', or ')}. \`detail\` says which.` },
    }),
    ...((operation.access === 'post-writes' || operation.access === 'operator') && {
      401: { description: 'No bearer token, or not the right one.', headers: ['WWW-Authenticate'] },
    }),
    ...(operation.access === 'same-origin' && {
      403: { description: 'The request came from a page on another site (its `Origin` is not this host).' },
    }),
    ...(operation.body && {
      413: { description: `The body is larger than ${limit / 1024} KiB.` },
      415: {
        description:
          'The body is not declared as JSON in UTF-8 (`Content-Type: application/json`), or is compressed ' +
          '(a `Content-Encoding` other than `identity`).',
        headers: ['Accept-Post', 'Accept-Encoding'],
      },
      422: {
        description:
          'The body does not match the schema, or names a field that is unknown or set by the server; `errors` says which.',
      },
    }),
    ...(operation.database !== false && {
      503: {
        description: 'The database is not answering; try again after the delay given.',
        headers: ['Retry-After'],
      },
    }),
  };
}

/** Builds the document; `named` collects the schemas that become components, with the mode each is shown in. */
class DocumentBuilder {
  private readonly named = new Map<string, { schema: v.GenericSchema; mode: TypeMode }>();

  /** A schema as the document shows it: a component as a `$ref` to it, anything else converted in place. */
  schema(schema: v.GenericSchema, mode: TypeMode): JsonSchema {
    this.collect(schema, mode);
    const converted = toJsonSchema(schema, conversionConfig(mode, this.definitions()));
    const { $schema: _, $defs: __, ...rest } = converted;
    return rest;
  }

  /**
   * The components, each in the mode it is used in. Request bodies are closed (`additionalProperties: false`):
   * parseBody refuses unknown fields by name, which Valibot's `object` alone would let through.
   */
  components(): Record<string, JsonSchema> {
    const definitions = this.definitions();
    return Object.fromEntries(
      [...this.named].map(([name, { schema, mode }]) => {
        const converted = toJsonSchemaDefs({ [name]: schema }, conversionConfig(mode, definitions))[name]!;
        return [name, mode === 'input' ? { ...converted, additionalProperties: false } : converted];
      }),
    );
  }

  private definitions(): Definitions {
    return Object.fromEntries([...this.named].map(([name, { schema }]) => [name, schema]));
  }

  /** Schemas with a title (`v.title('Post')`) become components, wherever they are nested. */
  private collect(schema: v.GenericSchema, mode: TypeMode): void {
    const title = v.getTitle(schema);
    if (title && !this.named.has(title)) this.named.set(title, { schema, mode });
    const inner = schema as unknown as Record<string, unknown>;
    const children = [
      ...((inner.pipe as v.GenericSchema[] | undefined)?.slice(0, 1) ?? []),
      ...Object.values((inner.entries as Record<string, v.GenericSchema> | undefined) ?? {}),
      inner.item,
      inner.wrapped,
      inner.value,
    ];
    for (const child of children) {
      if (child && typeof child === 'object' && 'kind' in child && child.kind === 'schema') {
        this.collect(child as v.GenericSchema, mode);
      }
    }
  }

  /** A fields schema (query, headers, path) as parameters; each field's description moves to its parameter. */
  parameters(schema: v.GenericSchema | undefined, where: 'path' | 'query' | 'header') {
    const { properties = {}, required = [] } = schema ? this.schema(schema, 'output') : {};
    return Object.entries(properties).map(([name, property]) => {
      const { description, ...rest } = property as JsonSchema;
      const isRequired = where === 'path' || required.includes(name);
      return { name, in: where, required: isRequired, description, schema: rest };
    });
  }

  response(status: number, spec: ResponseSpec, withBody: boolean) {
    const body = withBody ? (spec.body ?? (status >= 400 ? Problem : undefined)) : undefined;
    const mediaType = status >= 400 ? 'application/problem+json' : 'application/json';
    const headers = spec.headers?.map((name) => [name, { $ref: `#/components/headers/${name}` }] as const);
    return {
      description: spec.description,
      ...(headers?.length ? { headers: Object.fromEntries(headers) } : {}),
      ...(body ? { content: { [mediaType]: { schema: this.schema(body, 'output') } } } : {}),
    };
  }

  operation(declared: AnyOperation, { head = false } = {}) {
    const notes = [
      declared.description,
      declared.access === 'post-writes' ? POST_WRITE_ACCESS : undefined,
      head ? 'Answers exactly like GET, without a body.' : undefined,
    ].filter(Boolean);
    // `{}` in the list makes the token optional: post writes are open on a server without API_TOKEN.
    const security = { 'post-writes': [{ bearer: [] }, {}], operator: [{ bearer: [] }] }[
      declared.access as string
    ];
    const parameters = [
      ...this.parameters(declared.query, 'query'),
      ...this.parameters(declared.headers, 'header'),
    ];
    const responses = { ...impliedResponses(declared), ...declared.responses };
    return {
      operationId: head ? `${declared.operationId}Head` : declared.operationId,
      summary: head ? `${declared.summary} (headers only)` : declared.summary,
      ...(notes.length ? { description: notes.join('\n\n') } : {}),
      tags: [declared.tag],
      ...(security ? { security: security as Record<string, string[]>[] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(declared.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: this.schema(declared.body, 'input') } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(responses).map(([status, spec]) => [
          status,
          this.response(Number(status), spec, !head),
        ]),
      ),
    };
  }

  pathItem({ pattern, operations }: ApiRoute): PathItem {
    const declared = Object.values(operations);
    const parameters = this.parameters(declared.find((operation) => operation.params)?.params, 'path');
    const item: PathItem = parameters.length ? { parameters } : {};
    for (const method of allowedMethods(operations)) {
      if (method === 'OPTIONS') item.options = this.options(pattern, declared);
      else if (method === 'HEAD') item.head = this.operation(operations.GET as AnyOperation, { head: true });
      else item[method.toLowerCase() as HttpMethod] = this.operation(operations[method as DeclaredMethod]!);
    }
    return item;
  }

  options(pattern: string, declared: AnyOperation[]): Operation {
    // `/api/posts/[id]` → `optionsPostsById`.
    const name = pattern
      .slice(4)
      .replace(/\[(\w+)\]/g, 'by-$1')
      .replace(/[^A-Za-z0-9]+(.)/g, (_, next: string) => next.toUpperCase());
    return {
      operationId: `options${name}`,
      summary: 'List the methods this path serves',
      description: 'Any other method is answered with 405, the same `Allow` header and a problem body.',
      tags: [...new Set(declared.map((operation) => operation.tag))],
      responses: {
        204: { description: 'No body.', headers: { Allow: { $ref: '#/components/headers/Allow' } } },
      },
    };
  }
}

const DESCRIPTION = `Posts and contact messages, on SQLite or PostgreSQL. Generated from the declarations the server validates with.

- **Errors** are RFC 9457 problem details (\`application/problem+json\`): \`type\`, \`title\`, \`status\`, \`detail\`, and for validation failures \`errors\` (field → messages).
- **Methods**: a method a path does not serve is answered with **405**, an \`Allow\` header and a problem body; \`OPTIONS\` answers **204** with \`Allow\`; \`HEAD\` answers like \`GET\` without a body. An unknown \`/api\` path is a problem **404**.
- **Bodies** are JSON (\`Content-Type: application/json\`, UTF-8), up to a size given by each operation's 413 (large enough for its largest valid body, every character escaped); fields a schema does not name are refused (**422**) by name. At most 20 fields are reported.
- **Lengths** count characters (Unicode code points), as JSON Schema's \`maxLength\` does.
- **Paging** is by cursor: follow the \`Link: <…>; rel="next"\` header.`;

/** The whole document, from the routes' declarations. */
export function buildOpenApiDocument(routes: readonly ApiRoute[]) {
  const builder = new DocumentBuilder();
  const paths: Record<string, PathItem> = Object.fromEntries(
    routes.map((route) => [openApiPath(route.pattern), builder.pathItem(route)]),
  );
  return {
    openapi: '3.1.1',
    info: { title: 'Posts service API', version: packageJson.version, description: DESCRIPTION },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: builder.components(),
      headers: RESPONSE_HEADERS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The API_TOKEN configured on the server.' },
      },
    },
  };
}
