import { HttpError, badRequest } from './problem';

/** Largest JSON request body the API reads (64 KiB). */
export const JSON_BODY_LIMIT_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
/** Sent with every 415: the media type and the (only) content coding a body may have. */
const WHAT_IS_READ = { 'Accept-Post': 'application/json', 'Accept-Encoding': 'identity' };

/**
 * A JSON request body's bytes, never holding more than `maxBytes` (+ one chunk) in memory: 415 unless the
 * body is declared as JSON in UTF-8 and not compressed, and 413 past the cap, from Content-Length before a
 * byte is read or while streaming (the rest is not read).
 */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  assertJsonContentType(request.headers.get('content-type'));
  assertNotEncoded(request.headers.get('content-encoding'));
  const declaredLength = request.headers.get('content-length');
  if (declaredLength !== null && Number(declaredLength) > maxBytes) throw tooLarge(maxBytes);
  return readAtMost(request, maxBytes);
}

/** The body as JSON: 400 for an empty body, bad UTF-8 or malformed JSON. */
export function decodeJson(bytes: Uint8Array): unknown {
  if (bytes.length === 0) throw badRequest('The request body is empty; send a JSON object.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw badRequest('The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw badRequest('The request body is not well-formed JSON.');
  }
}

function assertJsonContentType(contentType: string | null): void {
  const [mediaType = '', ...parameters] = (contentType ?? '')
    .split(';')
    .map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length);
  const utf8 = charset === undefined || ['utf-8', 'utf8', '"utf-8"'].includes(charset);
  if (!JSON_MEDIA_TYPE.test(mediaType) || !utf8) {
    throw new HttpError(415, 'Send the body as JSON with "Content-Type: application/json" (UTF-8).', {
      headers: WHAT_IS_READ,
    });
  }
}

/**
 * A body compressed (gzip, br) would be taken for JSON that is not UTF-8, or worse, read as it is: RFC 9110
 * §8.4.1 has a server refuse a content coding it does not decode with 415, saying what it accepts.
 */
function assertNotEncoded(contentEncoding: string | null): void {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > 0) {
    throw new HttpError(
      415,
      `Send the body uncompressed: Content-Encoding ${codings.join(', ')} is not read here.`,
      { headers: WHAT_IS_READ },
    );
  }
}

async function readAtMost(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      // The client went away (or the server's request timeout dropped it) mid-body: nobody is left to
      // answer, and nothing of ours went wrong, so nothing is logged.
      throw badRequest('The request body was not received in full.');
    });
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Not cancelled: cancelling can destroy the socket before the 413 is written. The answer closes the
      // connection instead (see route.ts), and nothing more is read.
      reader.releaseLock();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `The request body is larger than ${maxBytes / 1024} KiB.`);
}
