import { noRoute } from '@/src/http/route';

export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = noRoute();
