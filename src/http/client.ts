import { config } from '../config';

/** Bounds the stored bucket name: an address is at most 45 characters (IPv6 with an IPv4 tail). */
const MAX_ADDRESS_LENGTH = 64;

/**
 * The client's address, for per-client limits, from X-Forwarded-For, else "unknown".
 *
 * Each reverse proxy appends the address it received the request from, so only the last entries, written by
 * the operator's own proxies, can be trusted; anything to their left is whatever the client sent. With
 * `trustedProxies` proxies in front, the client is the entry that many places from the right. With none,
 * Next.js's server records the connection's own address when the request has no X-Forwarded-For; it keeps
 * one a client sent, though, and cannot be told not to, so a server exposed directly can be given any
 * address by a determined sender: put a proxy in front for limits that hold.
 */
export function clientAddress(headers: Headers, trustedProxies = config().trustedProxies): string {
  const entries = (headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const client = entries[Math.max(0, entries.length - 1 - trustedProxies)];
  return client ? client.slice(0, MAX_ADDRESS_LENGTH) : 'unknown';
}
