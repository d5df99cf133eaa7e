/** A JSON answer, with the headers every one carries. Headers given as a Headers object are added to, not copied. */
export function json(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
  headers.set('Content-Type', 'application/json');
  if (!headers.has('Cache-Control')) headers.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}
