import { HealthProblem, healthResponse, HealthStatus } from '@/src/http/health';
import { operation, route } from '@/src/http/route';

const health = operation({
  operationId: 'getHealth',
  summary: 'Check that the service and its database answer',
  tag: 'Service',
  access: 'public',
  responses: {
    200: { description: 'The database answered a query just now.', body: HealthStatus },
    503: { description: 'The database is not answering.', body: HealthProblem, headers: ['Retry-After'] },
  },
  handle: healthResponse,
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ GET: health });
