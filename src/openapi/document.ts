import * as v from 'valibot';
import packageJson from '../../package.json';
import { JSON_BODY_LIMIT_BYTES } from '../http/body';
import { Problem } from '../http/problem';
import {
  allowedMethods,
  type AnyOperation,
  type DeclaredMethod,
  type Operations,
  type ResponseSpec,
  type RouteHandler,
} from '../http/route';
import { RESPONSE_HEADERS, type Header } from './headers';
import { componentSchemas, schemaFor, type JsonSchema, type TypeMode } from './json-schema';

/** The parts of an OpenAPI 3.1 document this builder writes (enough for the tests to walk it typed). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    headers: Record<string, Header>;
    securitySchemes: object;
  };
}
type HttpMethod = 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete' | 'options';
export type PathItem = { parameters?: Parameter[] } & { [Method in HttpMethod]?: Operation };
type Content = Record<string, { schema: JsonSchema }>;
type Parameter = {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
};
export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: true; content: Content };
  responses: Record<
    string,
    { description: string; headers?: Record<string, { $ref: string }>; content?: Content }
  >;
}

/** An API route as its file declares it: the path (`/api/posts/[id]`) and the operations it serves. */
export interface ApiRoute {
  pattern: string;
  operations: Operations;
}

/**
 * The routes of `app/api`, from its route files (keyed by path relative to app/api, `./posts/[id]/route.ts`,
 * as a bundler's require.context or a directory walk lists them). The catch-all serves no operation.
 */
export function apiRoutes(files: Iterable<[file: string, module: unknown]>): ApiRoute[] {
  return [...files]
    .map(([file, module]) => ({
      pattern: `/api/${file.replace(/^\.\//, '').replace(/\/?route\.ts$/, '')}`,
      operations: (module as { OPTIONS?: RouteHandler }).OPTIONS?.operations ?? {},
    }))
    .filter((route) => Object.keys(route.operations).length > 0)
    .sort((a, b) => a.pattern.localeCompare(b.pattern));
}

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
  const responses: Record<number, ResponseSpec> = {};
  const invalid = [
    operation.params && 'a path parameter',
    operation.query && 'a query parameter',
    operation.headers && 'a request header',
    operation.body && 'the body (empty, not UTF-8 or not well-formed JSON)',
  ].filter(Boolean);
  if (invalid.length) {
    responses[400] = { description: `Not valid: ${invalid.join(', or ')}. \`detail\` says which.` };
  }
  if (operation.access === 'post-writes' || operation.access === 'operator') {
    responses[401] = { description: 'No bearer token, or not the right one.', headers: ['WWW-Authenticate'] };
  }
  if (operation.access === 'same-origin') {
    responses[403] = {
      description: 'The request came from a page on another site (its `Origin` is not this host).',
    };
  }
  if (operation.body) {
    const limit = operation.bodyLimit ?? JSON_BODY_LIMIT_BYTES;
    responses[413] = { description: `The body is larger than ${limit / 1024} KiB.` };
    responses[415] = {
      description: 'The body is not declared as JSON in UTF-8 (`Content-Type: application/json`).',
      headers: ['Accept-Post'],
    };
    responses[422] = {
      description:
        'The body does not match the schema, or names a field that is unknown or set by the server; `errors` says which.',
    };
  }
  if (operation.database !== false) {
    responses[503] = {
      description: 'The database is not answering; try again after the delay given.',
      headers: ['Retry-After'],
    };
  }
  return responses;
}

/** Builds the document; `named` collects the schemas that become components, with the mode each is shown in. */
class DocumentBuilder {
  readonly named = new Map<string, { schema: v.GenericSchema; mode: TypeMode }>();

  schema(schema: v.GenericSchema, mode: TypeMode): JsonSchema {
    this.collect(schema, mode);
    return schemaFor(schema, mode, this.definitions());
  }

  definitions(): Record<string, v.GenericSchema> {
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
  parameters(schema: v.GenericSchema | undefined, where: Parameter['in']): Parameter[] {
    if (!schema) return [];
    const { properties = {}, required = [] } = this.schema(schema, 'output');
    return Object.entries(properties).map(([name, property]) => {
      const { description, ...rest } = property as JsonSchema;
      return {
        name,
        in: where,
        required: where === 'path' || required.includes(name),
        description,
        schema: rest,
      };
    });
  }

  response(status: number, spec: ResponseSpec, withBody: boolean): Operation['responses'][string] {
    const result: Operation['responses'][string] = { description: spec.description };
    if (spec.headers?.length) {
      result.headers = Object.fromEntries(
        spec.headers.map((name) => [name, { $ref: `#/components/headers/${name}` }]),
      );
    }
    const body = spec.body ?? (status >= 400 ? Problem : undefined);
    if (body && withBody) {
      const mediaType = status >= 400 ? 'application/problem+json' : 'application/json';
      result.content = { [mediaType]: { schema: this.schema(body, 'output') } };
    }
    return result;
  }

  operation(declared: AnyOperation, { head = false } = {}): Operation {
    const notes = [declared.description, declared.access === 'post-writes' ? POST_WRITE_ACCESS : undefined];
    if (head) notes.push('Answers exactly like GET, without a body.');
    const operation: Operation = {
      operationId: head ? `${declared.operationId}Head` : declared.operationId,
      summary: head ? `${declared.summary} (headers only)` : declared.summary,
      tags: [declared.tag],
      responses: {},
    };
    const description = notes.filter(Boolean).join('\n\n');
    if (description) operation.description = description;
    // `{}` in the list makes the token optional: post writes are open on a server without API_TOKEN.
    if (declared.access === 'post-writes') operation.security = [{ bearer: [] }, {}];
    if (declared.access === 'operator') operation.security = [{ bearer: [] }];
    const parameters = [
      ...this.parameters(declared.query, 'query'),
      ...this.parameters(declared.headers, 'header'),
    ];
    if (parameters.length) operation.parameters = parameters;
    if (declared.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: this.schema(declared.body, 'input') } },
      };
    }
    const responses = { ...impliedResponses(declared), ...declared.responses };
    for (const [status, spec] of Object.entries(responses)) {
      operation.responses[status] = this.response(Number(status), spec, !head);
    }
    return operation;
  }

  pathItem({ pattern, operations }: ApiRoute): PathItem {
    const item: PathItem = {};
    const declared = Object.values(operations);
    const parameters = this.parameters(declared.find((operation) => operation.params)?.params, 'path');
    if (parameters.length) item.parameters = parameters;
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
export function buildOpenApiDocument(routes: readonly ApiRoute[]): OpenApiDocument {
  const builder = new DocumentBuilder();
  const paths = Object.fromEntries(
    routes.map((route) => [openApiPath(route.pattern), builder.pathItem(route)]),
  );
  return {
    openapi: '3.1.1',
    info: { title: 'Posts service API', version: packageJson.version, description: DESCRIPTION },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: componentSchemas(builder.named, builder.definitions()),
      headers: RESPONSE_HEADERS,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'The API_TOKEN configured on the server.' },
      },
    },
  };
}
