import { handle, json } from '@/src/http/handler';

export const GET = handle(async () => json({ message: 'Hello, world!' }));
