import { handle } from '@/src/http/handler';
import { healthResponse } from '@/src/health';

export const GET = handle(healthResponse);
