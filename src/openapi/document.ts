import packageJson from '../../package.json';
import { JSON_BODY_LIMIT_BYTES } from '../http/limits.mjs';
import { API_ROUTES, allowedMethods, type ApiRoutePattern, type RouteMethod } from '../http/routes';
import { componentSchemas, schemaFor, type JsonSchema, type TypeMode } from './json-schema';
import {
  OPERATIONS,
  PATH_PARAMETERS,
  REQUEST_HEADERS,
  REQUEST_SCHEMAS,
  RESPONSE_HEADERS,
  RESPONSE_SCHEMAS,
  TAGS,
  type OperationDescription,
  type ResponseDescription,
} from './operations';

/** The parts of an OpenAPI 3.1 document this builder writes (enough for the tests to walk it typed). */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string; description: string }[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<string, JsonSchema>;
    parameters: Record<string, Parameter>;
    headers: Record<string, { description?: string; required: boolean; schema: JsonSchema }>;
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
  };
}

export type HttpMethod = Lowercase<RouteMethod> | 'head' | 'options';
export type PathItem = { parameters?: Parameter[] } & { [Method in HttpMethod]?: Operation };

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

type Reference = { $ref: string };

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: (Parameter | Reference)[];
  requestBody?: { required: true; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Response>;
}

export interface Response {
  description: string;
  headers?: Record<string, Reference>;
  content?: Record<string, { schema: JsonSchema }>;
}

const ALL_SCHEMAS = { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS };

/** `/api/posts/[id]` → `/api/posts/{id}`: Next.js's dynamic segment as an OpenAPI path template. */
export function openApiPath(pattern: ApiRoutePattern): string {
  return pattern.replace(/\[([^\]]+)\]/g, '{$1}');
}

const convert = (schema: Parameters<typeof schemaFor>[0], mode: TypeMode) =>
  schemaFor(schema, mode, ALL_SCHEMAS);

function pathParameters(pattern: ApiRoutePattern): Parameter[] {
  return [...pattern.matchAll(/\[([^\]]+)\]/g)].map(([, name]) => {
    const parameter = PATH_PARAMETERS[name as keyof typeof PATH_PARAMETERS];
    if (!parameter) throw new Error(`No description of the path parameter [${name}] in ${pattern}`);
    return {
      name: name as string,
      in: 'path',
      required: true,
      description: parameter.description,
      schema: convert(parameter.schema, 'output'),
    };
  });
}

/** A query schema's entries as parameters; the description moves from the schema to the parameter. */
function queryParameters(query: NonNullable<OperationDescription['query']>): Parameter[] {
  const { properties = {}, required = [] } = convert(query, 'output');
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...schema } = property as JsonSchema;
    return { name, in: 'query', required: required.includes(name), description, schema };
  });
}

function responseObject(status: number, response: ResponseDescription, withBody: boolean): Response {
  const result: Response = { description: response.description };
  if (response.headers?.length) {
    result.headers = Object.fromEntries(
      response.headers.map((name) => [name, { $ref: `#/components/headers/${name}` }]),
    );
  }
  const body = response.body ?? (status >= 400 ? RESPONSE_SCHEMAS.Problem : undefined);
  if (body && withBody) {
    const mediaType = status >= 400 ? 'application/problem+json' : 'application/json';
    result.content = { [mediaType]: { schema: convert(body, 'output') } };
  }
  return result;
}

const POST_WRITE_ACCESS =
  'Needs `Authorization: Bearer <API_TOKEN>` when the server has API_TOKEN set, and is open to anyone when ' +
  'it does not (`postWrites` in GET /api/health says which).';

function operationObject(description: OperationDescription, { head = false } = {}): Operation {
  const operation: Operation = {
    operationId: head ? `${description.operationId}Head` : description.operationId,
    summary: head ? `${description.summary} (headers only)` : description.summary,
    tags: [description.tag],
    responses: {},
  };
  const notes = [
    description.description,
    description.access === 'post-writes' ? POST_WRITE_ACCESS : undefined,
  ];
  if (head) notes.push('Answers exactly like GET, without a body.');
  const text = notes.filter(Boolean).join('\n\n');
  if (text) operation.description = text;
  // `{}` in the list makes the token optional: post writes are open on a server without API_TOKEN.
  if (description.access === 'post-writes') operation.security = [{ bearer: [] }, {}];
  if (description.access === 'operator') operation.security = [{ bearer: [] }];

  const parameters: (Parameter | Reference)[] = [
    ...(description.query ? queryParameters(description.query) : []),
    ...(description.requestHeaders ?? []).map((name) => ({ $ref: `#/components/parameters/${name}` })),
  ];
  if (parameters.length) operation.parameters = parameters;
  if (description.body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: convert(description.body, 'input') } },
    };
  }
  for (const [status, response] of Object.entries(description.responses)) {
    operation.responses[status] = responseObject(Number(status), response, !head);
  }
  return operation;
}

function describedOperations(pattern: ApiRoutePattern): Partial<Record<RouteMethod, OperationDescription>> {
  return OPERATIONS[pattern];
}

function optionsOperation(pattern: ApiRoutePattern): Operation {
  const name = pattern
    .split('/')
    .slice(2)
    .map((segment) => segment.replace(/^\[(.+)\]$/, 'by-$1'))
    .join('-')
    .replace(/[^A-Za-z0-9]+(.)?/g, (_, next: string | undefined) => (next ?? '').toUpperCase());
  return {
    operationId: `options${name.charAt(0).toUpperCase()}${name.slice(1)}`,
    summary: 'List the methods this path serves',
    description: 'Any other method is answered with 405, the same `Allow` header and a problem body.',
    tags: [...new Set(Object.values(describedOperations(pattern)).map((operation) => operation.tag))],
    responses: {
      204: { description: 'No body.', headers: { Allow: { $ref: '#/components/headers/Allow' } } },
    },
  };
}

function pathItem(pattern: ApiRoutePattern): PathItem {
  const item: PathItem = {};
  const parameters = pathParameters(pattern);
  if (parameters.length) item.parameters = parameters;
  const described = describedOperations(pattern);
  // Exactly the methods the method guard allows (API_ROUTES, plus HEAD wherever GET is served, and OPTIONS).
  for (const method of allowedMethods(pattern)) {
    if (method === 'OPTIONS') {
      item.options = optionsOperation(pattern);
    } else if (method === 'HEAD') {
      item.head = operationObject(described.GET as OperationDescription, { head: true });
    } else {
      const description = described[method as RouteMethod];
      if (!description) {
        throw new Error(`${method} ${pattern} is served but not described in src/openapi/operations.ts`);
      }
      item[method.toLowerCase() as Lowercase<RouteMethod>] = operationObject(description);
    }
  }
  return item;
}

const DESCRIPTION = `Posts and contact messages, on SQLite or PostgreSQL. Generated from the schemas the server validates with.

- **Errors** are RFC 9457 problem details (\`application/problem+json\`): \`type\`, \`title\`, \`status\`, \`detail\`, and for validation failures \`errors\` (field → messages).
- **Methods**: a method a path does not serve is answered with **405**, an \`Allow\` header and a problem body; \`OPTIONS\` answers **204** with \`Allow\`; \`HEAD\` answers like \`GET\` without a body. An unknown \`/api\` path is a problem **404**.
- **Bodies** are JSON (\`Content-Type: application/json\`, UTF-8) of at most ${JSON_BODY_LIMIT_BYTES / 1024} KiB; fields a schema does not name are refused (**422**) by name.
- **Paging** is by cursor: follow the \`Link: <…>; rel="next"\` header.`;

/**
 * Request bodies are Valibot `object`s, which would let unknown keys through; parseBody refuses them instead
 * (422, naming each), so the description closes the body schemas to say so.
 */
function closeRequestBodies(schemas: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const closed = { ...schemas };
  for (const name of Object.keys(REQUEST_SCHEMAS)) {
    closed[name] = { ...schemas[name], additionalProperties: false };
  }
  return closed;
}

/** The whole document, from API_ROUTES and the operation table. */
export function buildOpenApiDocument(): OpenApiDocument {
  const patterns = Object.keys(API_ROUTES) as ApiRoutePattern[];
  return {
    openapi: '3.1.1',
    info: { title: 'Posts service API', version: packageJson.version, description: DESCRIPTION },
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths: Object.fromEntries(patterns.map((pattern) => [openApiPath(pattern), pathItem(pattern)])),
    components: {
      schemas: closeRequestBodies(
        componentSchemas([
          { mode: 'input', schemas: REQUEST_SCHEMAS },
          { mode: 'output', schemas: RESPONSE_SCHEMAS },
        ]),
      ),
      parameters: Object.fromEntries(
        Object.entries(REQUEST_HEADERS).map(([name, schema]) => {
          const { description, ...rest } = convert(schema, 'output');
          return [name, { name, in: 'header', required: false, description, schema: rest }];
        }),
      ),
      headers: Object.fromEntries(
        Object.entries(RESPONSE_HEADERS).map(([name, header]) => {
          const { description, ...schema } = convert(header.schema, 'output');
          return [name, { description, required: header.required, schema }];
        }),
      ),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The API_TOKEN configured on the server.',
        },
      },
    },
  };
}
