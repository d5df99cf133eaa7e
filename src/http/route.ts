import * as v from 'valibot';
import { UNROUTABLE_METHOD_HEADER } from '../server/requests';
import { parseBody, parseFields } from './parse';
import { requireAccess, type Access } from './access';
import { crossOriginAllowed, preflightResponse, withCors } from './cors';
import { decodeJson, JSON_BODY_LIMIT_BYTES, readBodyBytes } from './body';
import { errorToResponse, problemResponse } from './problem';

/** The methods a route file exports; HEAD and OPTIONS are always derived, never declared. */
export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];
export type DeclaredMethod = Exclude<RouteMethod, 'HEAD' | 'OPTIONS'>;

/** A schema of string-valued fields (path parameters, search parameters, request headers). */
type FieldsSchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;
type Output<Schema> = Schema extends v.GenericSchema ? v.InferOutput<Schema> : undefined;

export interface ResponseSpec {
  description: string;
  /** The JSON body (application/problem+json for statuses from 400 up unless given). */
  body?: v.GenericSchema;
  /** Response headers, named as in src/openapi/headers.ts. */
  headers?: readonly string[];
}

export interface OperationInput<Params, Query, Headers, Body> {
  request: Request;
  params: Output<Params>;
  query: Output<Query>;
  headers: Output<Headers>;
  body: Output<Body>;
}

/**
 * One operation: what it reads (each part a schema, validated before the handler runs), who may call it, and
 * what it answers. The API description is built from these declarations, so the schema a handler's input
 * was parsed with is the schema the document shows.
 */
export interface Operation<
  Params extends FieldsSchema | undefined = FieldsSchema | undefined,
  Query extends FieldsSchema | undefined = FieldsSchema | undefined,
  Headers extends FieldsSchema | undefined = FieldsSchema | undefined,
  Body extends v.GenericSchema | undefined = v.GenericSchema | undefined,
> {
  operationId: string;
  summary: string;
  description?: string;
  tag: 'Posts' | 'Contact' | 'Service';
  access: Access;
  /** Whether the handler reads or writes the database (and so may answer 503). Default true. */
  database?: boolean;
  params?: Params;
  query?: Query;
  /** Request headers by their canonical name (`If-Match`); each is an optional string on the wire. */
  headers?: Headers;
  /** A JSON body; `serverOwned` fields are refused by name ("is set by the server"). */
  body?: Body;
  /** The largest body read, in bytes (default JSON_BODY_LIMIT_BYTES); more is refused with 413. */
  bodyLimit?: number;
  serverOwned?: readonly string[];
  /** The answers particular to this operation; those implied by the parts above are added by the document. */
  responses: Readonly<Record<number, ResponseSpec>>;
  handle(input: OperationInput<Params, Query, Headers, Body>): Promise<Response>;
}

/** Declares an operation; a function only so that the handler's input is typed from the schemas. */
export function operation<
  Params extends FieldsSchema | undefined = undefined,
  Query extends FieldsSchema | undefined = undefined,
  Headers extends FieldsSchema | undefined = undefined,
  Body extends v.GenericSchema | undefined = undefined,
>(declaration: Operation<Params, Query, Headers, Body>): Operation<Params, Query, Headers, Body> {
  return declaration;
}

// Any operation, whatever its schemas: what the route helper and the document builder walk.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOperation = Operation<any, any, any, any>;
export type Operations = Partial<Record<DeclaredMethod, AnyOperation>>;

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };
export type RouteHandler = ((request: Request, context: RouteContext) => Promise<Response>) & {
  /** What the route serves, for the API description (src/openapi). */
  readonly operations: Operations;
};
export type RouteExports = Record<RouteMethod, RouteHandler>;

/** An API route as its file declares it: the path (`/api/posts/[id]`) and the operations it serves. */
export interface ApiRoute {
  pattern: string;
  operations: Operations;
}

/**
 * The routes of `app/api`, from its route files (keyed by path relative to app/api, `./posts/[id]/route.ts`,
 * as a bundler's require.context or a directory walk lists them). The catch-all serves no operation. Beside
 * route() because it reads what route() attaches to a file's OPTIONS export.
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

/** The value of `Allow`: the served methods, HEAD wherever GET is served, and OPTIONS, sorted. */
export function allowedMethods(operations: Operations): string[] {
  const methods = new Set<string>(Object.keys(operations));
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}

/**
 * A route file's exports, all seven methods: `export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } =
 * route({ GET: list, POST: create })`. Every method the route does not serve answers 405 with the exact
 * `Allow` and a problem body; OPTIONS answers 204 with `Allow`; HEAD answers as GET does, without the body.
 */
export function route(operations: Operations): RouteExports {
  const allow = allowedMethods(operations).join(', ');
  const crossOriginMethods = allowedMethods(
    Object.fromEntries(Object.entries(operations).filter(([, served]) => crossOriginAllowed(served.access))),
  ).filter((method) => method !== 'OPTIONS');
  const notAllowed = (method: string) =>
    problemResponse(405, `${method} is not allowed here; use ${allow}.`, { headers: { Allow: allow } });

  const handlers = {} as Record<RouteMethod, (request: Request, context: RouteContext) => Promise<Response>>;
  for (const method of ROUTE_METHODS) {
    const served = method === 'HEAD' ? operations.GET : operations[method as DeclaredMethod];
    handlers[method] = async (request, context) => {
      if (method === 'OPTIONS') {
        const unroutable = request.headers.get(UNROUTABLE_METHOD_HEADER);
        if (unroutable) return closingIfBodyUnread(request, notAllowed(unroutable));
        const preflight = preflightResponse(request, crossOriginMethods, allow);
        if (preflight) return closingIfBodyUnread(request, preflight);
        return closingIfBodyUnread(request, new Response(null, { status: 204, headers: { Allow: allow } }));
      }
      if (!served) return closingIfBodyUnread(request, notAllowed(method));
      let response = await serve(served, request, context);
      if (crossOriginAllowed(served.access)) response = withCors(request, response);
      return method === 'HEAD' ? withoutBody(response) : response;
    };
  }
  return Object.fromEntries(
    ROUTE_METHODS.map((method) => [method, Object.assign(handlers[method], { operations })]),
  ) as RouteExports;
}

/** The catch-all under /api: every method of every path no route file serves is a problem 404. */
export function noRoute(): RouteExports {
  const answer = async (request: Request) =>
    closingIfBodyUnread(request, problemResponse(404, 'No API route exists at this address.'));
  const handler = Object.assign(answer, { operations: {} });
  return Object.fromEntries(ROUTE_METHODS.map((method) => [method, handler])) as unknown as RouteExports;
}

/**
 * Runs one operation: access first (a refused caller's upload is never read), then the path, the query and
 * the headers, then the body, each against its schema; only then the handler. Every error becomes a problem.
 */
async function serve(operation: AnyOperation, request: Request, context: RouteContext): Promise<Response> {
  const body = { read: false };
  try {
    requireAccess(operation.access, request);
    const input = {
      request,
      params: operation.params && parseFields(operation.params, await context.params, 'path'),
      query: operation.query && parseFields(operation.query, searchParams(request), 'query'),
      headers:
        operation.headers &&
        parseFields(operation.headers, headerFields(operation.headers, request), 'header'),
      body: undefined as unknown,
    };
    if (operation.body) {
      const bytes = await readBodyBytes(request, operation.bodyLimit ?? JSON_BODY_LIMIT_BYTES);
      body.read = true;
      input.body = parseBody(operation.body, decodeJson(bytes), operation.serverOwned);
    }
    const response = await operation.handle(input);
    return body.read ? response : closingIfBodyUnread(request, response);
  } catch (error) {
    const response = errorToResponse(error);
    return body.read ? response : closingIfBodyUnread(request, response);
  }
}

/**
 * A body the client is still sending is not read to its end just to be thrown away: an answer given without
 * reading it says the connection closes, and the server stops reading it.
 */
function closingIfBodyUnread(request: Request, response: Response): Response {
  const hasBody =
    request.headers.has('transfer-encoding') || Number(request.headers.get('content-length') ?? 0) > 0;
  if (hasBody) response.headers.set('Connection', 'close');
  return response;
}

/** Search parameters as a plain object (the last value wins). */
export function searchParams(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

/** The declared headers' values, keyed by their declared names; an absent header is absent. */
function headerFields(schema: FieldsSchema, request: Request): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of Object.keys(schema.entries)) {
    const value = request.headers.get(name);
    if (value !== null) fields[name] = value;
  }
  return fields;
}

function withoutBody(response: Response): Response {
  return new Response(null, { status: response.status, headers: response.headers });
}
