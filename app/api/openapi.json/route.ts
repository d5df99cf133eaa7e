import { handle } from '@/src/http/handler';
import { openApiResponse } from '@/src/openapi/http';

export const GET = handle(async (request) => openApiResponse(request));
