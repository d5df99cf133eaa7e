import { readJsonBody } from '@/src/http/body';
import { clientAddress } from '@/src/http/client';
import { handle, json } from '@/src/http/handler';
import { requireSameOrigin } from '@/src/http/origin';
import { submitContactMessage } from '@/src/messages/service';

export const POST = handle(async (request) => {
  requireSameOrigin(request);
  await submitContactMessage(await readJsonBody(request), clientAddress(request.headers));
  return json({ success: true, message: 'Form submitted successfully' });
});
