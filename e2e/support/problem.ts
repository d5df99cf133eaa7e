import { expect, type APIResponse } from '@playwright/test';

/** Asserts an RFC 9457 problem response with the given status, and returns its body. */
export async function expectProblem(response: APIResponse, status: number) {
  expect(response.status(), await response.text()).toBe(status);
  expect(response.headers()['content-type']).toBe('application/problem+json');
  expect(response.headers()['x-content-type-options']).toBe('nosniff');
  const body = (await response.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    errors?: Record<string, string[]>;
  };
  expect(body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  const text = JSON.stringify(body);
  // Nothing from inside the server: no stack frames, SQL or file paths.
  expect(text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\/work\/|SQLITE_|select .* from|insert into/i);
  return body;
}
