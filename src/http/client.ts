/** Bounds the stored bucket name: an address is at most 45 characters (IPv6 with an IPv4 tail). */
const MAX_ADDRESS_LENGTH = 64;

/**
 * The client's address, for per-client limits: the first entry of X-Forwarded-For, else "unknown".
 *
 * Next.js's server fills X-Forwarded-For with the socket's remote address when a request arrives without
 * one, so a direct connection is identified by its own address. It keeps a header the request already has,
 * though, and the first entry is whatever the original sender wrote: behind a reverse proxy or load
 * balancer, the operator must make it overwrite (not append to) X-Forwarded-For, or clients can pick their
 * own identity; exposed directly, a client can do the same by sending the header itself.
 */
export function clientAddress(headers: Headers): string {
  const first = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return first ? first.slice(0, MAX_ADDRESS_LENGTH) : 'unknown';
}
