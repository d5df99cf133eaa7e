import { readJsonBody } from '@/src/http/body';
import { handle, json } from '@/src/http/handler';
import { submitContactMessage } from '@/src/messages/service';

export const POST = handle(async (request) => {
  await submitContactMessage(await readJsonBody(request));
  return json({ success: true, message: 'Form submitted successfully' });
});
