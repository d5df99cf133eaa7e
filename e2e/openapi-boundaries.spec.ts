import { randomUUID } from 'node:crypto';
import { expect, test, type APIRequestContext } from '@playwright/test';
import { fetchDocument, schemaVerdict, type OpenApiDocument } from './support/openapi';

/**
 * What an OpenAPI-driven fuzzer checks, at the edges where a document and a service usually part: for every
 * string field of every JSON body and every query and path parameter, values at and around each documented
 * limit (lengths in emoji, white space, control characters, email shapes) go both to the document's schema
 * (Ajv) and to the running server. The two must give the same verdict: the service accepts exactly what the
 * document allows.
 */

type Schema = {
  $ref?: string;
  type?: string;
  minLength?: number;
  maxLength?: number;
  anyOf?: Schema[];
  properties?: Record<string, Schema>;
};

function stringCandidates(min: number, max: number): string[] {
  return [
    '',
    ' ',
    'a',
    ' a ',
    '\ta',
    'a\n',
    'a\r\nb',
    'a\u0000b',
    'a\u0085',
    'a\u007f',
    '\uFEFF',
    '\u00A0',
    '\u3000x',
    'x'.repeat(min),
    'x'.repeat(max),
    'x'.repeat(max + 1),
    '😀'.repeat(max),
    '😀'.repeat(max + 1),
    `${'x'.repeat(max)} `,
    ` ${'x'.repeat(max - 1)}`,
    'é'.repeat(max),
    'a@b.co',
    '0@com',
    'a.b@c-d.example',
    ' a@b.co',
    'a@b.co ',
    'a+b@b.co',
    'ü@b.co',
    'a@b.c',
    'a@@b.co',
  ];
}

/** The string schema inside a field (a nullable field is `anyOf: [string, null]`). */
function stringSchema(schema: Schema): Schema | undefined {
  if (schema.type === 'string') return schema;
  return schema.anyOf?.find((member) => member.type === 'string');
}

function component(document: OpenApiDocument, ref: string): { name: string; schema: Schema } {
  const name = ref.replace('#/components/schemas/', '');
  return { name, schema: (document.components?.schemas as Record<string, Schema>)[name] as Schema };
}

async function newPost(request: APIRequestContext): Promise<number> {
  const created = await request.post('/api/posts', { data: { title: `Edges ${randomUUID()}`, body: 'b' } });
  expect(created.status()).toBe(201);
  return ((await created.json()) as { id: number }).id;
}

test('JSON bodies: the service accepts exactly what the document allows, field by field', async ({
  request,
}) => {
  test.setTimeout(120_000);
  const document = await fetchDocument(request);
  const verdict = schemaVerdict(document);
  const id = await newPost(request);
  const bodies = [
    { path: '/api/posts', method: 'post', send: '/api/posts', base: { title: 't', body: 'b', author: 'a' } },
    { path: '/api/posts/{id}', method: 'put', send: `/api/posts/${id}`, base: { title: 't', body: 'b' } },
    { path: '/api/posts/{id}', method: 'patch', send: `/api/posts/${id}`, base: { body: 'b' } },
    {
      path: '/api/submit-form',
      method: 'post',
      send: '/api/submit-form',
      base: { name: 'n', email: 'a@b.co', message: 'm' },
    },
  ] as const;
  const disagreements: string[] = [];
  let compared = 0;
  for (const { path, method, send, base } of bodies) {
    const operation = (
      document.paths[path] as Record<
        string,
        { requestBody?: { content: Record<string, { schema: Schema }> } }
      >
    )[method];
    const ref = operation?.requestBody?.content['application/json']?.schema.$ref;
    expect(ref, `${method} ${path} has a JSON body`).toBeDefined();
    const { name, schema } = component(document, ref as string);
    for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
      const string = stringSchema(fieldSchema);
      if (!string) continue;
      const max = string.maxLength ?? 100;
      for (const value of stringCandidates(string.minLength ?? 0, max)) {
        const body = { ...base, [field]: value };
        const documented = verdict(['components', 'schemas', name], body);
        const response = await request.fetch(send, { method, data: body });
        const accepted = response.status() < 300;
        compared += 1;
        if (accepted !== documented.valid || (!accepted && response.status() !== 422)) {
          disagreements.push(
            `${method.toUpperCase()} ${path} ${field}=${JSON.stringify(value.slice(0, 12))}… (${[...value].length} chars): ` +
              `document ${documented.valid ? 'allows' : 'refuses'}, service ${response.status()} ${documented.valid ? '' : documented.why}`,
          );
        }
      }
    }
    // An object with nothing in it: the document's minProperties and required, against the service.
    const empty = await request.fetch(send, { method, data: {} });
    expect(empty.status() < 300, `${method} ${path} {}`).toBe(
      verdict(['components', 'schemas', name], {}).valid,
    );
  }
  console.info(`document and service compared on ${compared} bodies`);
  expect(disagreements).toEqual([]);
});

test('query and path parameters: the service accepts exactly what the document allows', async ({
  request,
}) => {
  test.setTimeout(60_000);
  const document = await fetchDocument(request);
  const verdict = schemaVerdict(document);
  const disagreements: string[] = [];
  // As a fuzzer sends them: numbers in their canonical decimal form, anything else as it is.
  const asDocumented = (value: string) =>
    /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/.test(value) ? Number(value) : value;
  const numbers = [
    '0',
    '1',
    '20',
    '100',
    '101',
    '-1',
    '1.5',
    'abc',
    '',
    '9007199254740991',
    '9007199254740992',
  ];
  for (const path of ['/api/posts', '/api/messages']) {
    const parameters = (
      document.paths[path] as { get: { parameters: { name: string; in: string; schema: Schema }[] } }
    ).get.parameters;
    for (const [index, parameter] of parameters.entries()) {
      if (parameter.in !== 'query') continue;
      const string = stringSchema(parameter.schema);
      const candidates =
        parameter.schema.type === 'integer'
          ? numbers
          : [
              ...stringCandidates(string?.minLength ?? 1, string?.maxLength ?? 200),
              '0',
              'zzzzzzzzzzz',
              'zzzzzzzzzzzz',
              'ABC',
              'a_b',
              'eyJiZWZvcmUiOjF9',
            ];
      for (const value of candidates) {
        const documented = verdict(
          ['paths', path, 'get', 'parameters', String(index), 'schema'],
          parameter.schema.type === 'integer' ? asDocumented(value) : value,
        );
        const response = await request.get(`${path}?${new URLSearchParams({ [parameter.name]: value })}`);
        const accepted = response.status() === 200;
        if (accepted !== documented.valid || (!accepted && response.status() !== 400)) {
          disagreements.push(
            `GET ${path}?${parameter.name}=${JSON.stringify(value.slice(0, 12))}: document ` +
              `${documented.valid ? 'allows' : 'refuses'}, service ${response.status()}`,
          );
        }
      }
    }
  }
  const idSchema = ['paths', '/api/posts/{id}', 'parameters', '0', 'schema'];
  for (const value of [...numbers, '007', '1e3', '+1', ' 1']) {
    const documented = verdict(idSchema, asDocumented(value));
    const status = (await request.get(`/api/posts/${encodeURIComponent(value)}`)).status();
    // Allowed: the post or its absence; refused: 400 (an empty segment is another address, /api/posts/).
    if (value === '') continue;
    if (documented.valid !== (status === 200 || status === 404) || (!documented.valid && status !== 400)) {
      disagreements.push(
        `GET /api/posts/${value}: document ${documented.valid ? 'allows' : 'refuses'}, service ${status}`,
      );
    }
  }
  expect(disagreements).toEqual([]);
});
