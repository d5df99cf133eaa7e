/**
 * The API's routes and the methods each one's route.ts exports. The method guard (proxy.ts) answers every other
 * method from this table, so a route file never writes its own 405; test/routes.test.ts checks that this table
 * and the route files' exports agree.
 */
export const API_ROUTES = {
  '/api/health': ['GET'],
  '/api/hello': ['GET'],
  '/api/messages': ['GET'],
  '/api/openapi.json': ['GET'],
  '/api/posts': ['GET', 'POST'],
  '/api/posts/[id]': ['GET', 'PUT', 'PATCH', 'DELETE'],
  '/api/submit-form': ['POST'],
} as const satisfies Record<string, readonly RouteMethod[]>;

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type ApiRoutePattern = keyof typeof API_ROUTES;

/** The route pattern a request path belongs to, or undefined. `[name]` matches one non-empty segment. */
export function matchApiRoute(pathname: string): ApiRoutePattern | undefined {
  const segments = pathname.split('/');
  for (const pattern of Object.keys(API_ROUTES) as ApiRoutePattern[]) {
    const patternSegments = pattern.split('/');
    if (patternSegments.length !== segments.length) continue;
    const matches = patternSegments.every((part, index) => {
      const segment = segments[index] as string;
      return part.startsWith('[') ? segment.length > 0 : part === segment;
    });
    if (matches) return pattern;
  }
  return undefined;
}

/** The `Allow` header value: the route's methods, HEAD wherever GET is served, and OPTIONS, sorted. */
export function allowedMethods(pattern: ApiRoutePattern): string[] {
  const methods = new Set<string>(API_ROUTES[pattern]);
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}
