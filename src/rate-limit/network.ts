import { isIPv6 } from 'node:net';

/**
 * Who a per-client limit counts: an IPv4 address as it is, an IPv6 one by its /64. One subscriber, host or VM
 * is routinely given a whole /64 and may send from any address in it, so counting single IPv6 addresses
 * would give each such client billions of fresh allowances. IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is the
 * IPv4 address it carries; what is not an IP address ("unknown") is counted as it is.
 */
export function rateLimitedAs(address: string): string {
  const bare = address.replace(/%.*$/, ''); // a zone (`fe80::1%eth0`) names the interface, not the host
  if (!isIPv6(bare)) return address;
  const groups = ipv6Groups(bare);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, an IPv4 tail made two groups). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (ipv4Tail) {
    const [a, b, c, d] = ipv4Tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, ipv4Tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const [head, tail] = text.split('::');
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
