import * as v from 'valibot';
import { json } from '@/src/http/json';
import { operation, route } from '@/src/http/route';

/** `GET /api/hello`: the service's original greeting. */
const Greeting = v.pipe(v.strictObject({ message: v.literal('Hello, world!') }), v.title('Greeting'));

const hello = operation({
  operationId: 'getHello',
  summary: 'Say hello',
  tag: 'Service',
  access: 'public',
  database: false,
  responses: { 200: { description: 'The greeting.', body: Greeting } },
  async handle() {
    return json({ message: 'Hello, world!' });
  },
});

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route({ GET: hello });
