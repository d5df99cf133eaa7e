import { createRequire } from 'node:module';
import { expect, type APIRequestContext } from '@playwright/test';
import type { OpenApiDocument, Operation } from '../../src/openapi/document';

export type { OpenApiDocument, Operation };

/**
 * How long /docs may take to show Swagger UI's rendering of the document: the page loads, then Swagger UI's
 * 1.4 MB bundle is fetched and parsed, then the document fetched and laid out. On a loaded 2-core CI machine
 * that once took more than 5 s, Playwright's default, although the document itself was served in 42 ms.
 */
export const SWAGGER_UI_RENDERED_MS = 20_000;

/** The methods an OpenAPI path item can hold, in the case the document uses. */
export const OPERATION_METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete', 'options'] as const;

/** The document as the running server serves it. */
export async function fetchDocument(request: APIRequestContext): Promise<OpenApiDocument> {
  const response = await request.get('/api/openapi.json');
  expect(response.status()).toBe(200);
  return (await response.json()) as OpenApiDocument;
}

/** Every operation of the document, with its path and method. */
export function documentedOperations(document: OpenApiDocument) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    OPERATION_METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ path, method, operation }] : [];
    }),
  );
}

interface CompiledSchema {
  (data: unknown): boolean;
  errors?: unknown[] | null;
}
interface JsonSchemaValidator {
  addSchema(schema: object, key: string): void;
  getSchema(ref: string): CompiledSchema | undefined;
  errorsText(errors?: unknown[] | null): string;
}

/**
 * Ajv for JSON Schema 2020-12 (OpenAPI 3.1's dialect). The project's top-level `ajv` is eslint's v6, which
 * predates 2020-12, so this resolves Ajv 8 the way @seriousme/openapi-schema-validator (a dev dependency)
 * itself does, rather than adding a package.
 */
function newAjv(): JsonSchemaValidator {
  const requireFromValidator = createRequire(
    require.resolve('@seriousme/openapi-schema-validator/package.json'),
  );
  const { default: Ajv2020 } = requireFromValidator('ajv/dist/2020') as {
    default: new (options: object) => JsonSchemaValidator;
  };
  const { default: addFormats } = requireFromValidator('ajv-formats') as {
    default: (ajv: JsonSchemaValidator) => void;
  };
  // Not strict: the document is an OpenAPI document with schemas inside, not a schema; the keywords Ajv does
  // not know (openapi, paths, …) are the document's own.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv;
}

const escapePointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Whether the document's schema at a JSON pointer admits a value (with Ajv's explanation), so that the
 * document's own `#/components/...` references resolve as they do for any client.
 */
export function schemaVerdict(document: OpenApiDocument) {
  const ajv = newAjv();
  ajv.addSchema(document, 'openapi.json');
  return (pointer: readonly string[], value: unknown): { valid: boolean; why: string } => {
    const ref = `openapi.json#/${pointer.map(escapePointer).join('/')}`;
    const validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`No schema at ${ref}`);
    const valid = validate(value);
    return { valid, why: `${ref}: ${ajv.errorsText(validate.errors)}` };
  };
}

/** Asserts that the document's schema at a JSON pointer admits a value. */
export function schemaChecker(document: OpenApiDocument) {
  const verdict = schemaVerdict(document);
  return (pointer: readonly string[], value: unknown): void => {
    const { valid, why } = verdict(pointer, value);
    expect(valid, `${why}\n${JSON.stringify(value)}`).toBe(true);
  };
}
