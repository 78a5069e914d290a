/**
 * IP address parsing and grouping for peer hygiene (pure; no node:net).
 *
 * Addresses arrive as transports see them: `ws://1.2.3.4:7778/meshgate` (a URL), `1.2.3.4`, `1.2.3.4:5678`, `::1`,
 * `[2001:db8::1]:443`, `::ffff:10.0.0.1` (IPv4-mapped, treated as IPv4). A *prefix group*
 * is the /16 of an IPv4 address (`a.b.0.0/16`) or the /48 of an IPv6 address
 * (`xxxx:xxxx:xxxx::/48`): the network sizes an operator or attacker typically controls
 * (Bitcoin Core `netgroup.cpp` groups IPv4 by /16; RIRs assign /48 to IPv6 sites, RFC 6177).
 */

/** A parsed IP address: `ip` without port or brackets, lowercase. */
export interface ParsedAddress {
  readonly ip: string;
  readonly family: 4 | 6;
  /** IPv4: the 4 octets; IPv6: the 8 16-bit groups. */
  readonly parts: readonly number[];
}

const V4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseV4(s: string): number[] | undefined {
  const m = V4.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  return parts.every((p) => p <= 255) ? parts : undefined;
}

function parseV6(s: string): number[] | undefined {
  const zone = s.indexOf('%');
  const body = (zone >= 0 ? s.slice(0, zone) : s).toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(body)) return undefined;
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (it.includes('.')) {
        if (i !== items.length - 1) return undefined;
        const v4 = parseV4(it);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(it)) return undefined;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = toGroups(halves[0]);
  const tail = halves.length === 2 ? toGroups(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - tail.length;
  if (fill < 1) return undefined;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}

/** Parse an address with or without a port; undefined when it is not an IP literal (a host name). */
export function parseAddress(address: string): ParsedAddress | undefined {
  let s = address.trim();
  if (s.includes('://')) {
    // a dialled link's remote address is its URL
    const h = urlHost(s);
    if (h === undefined) return undefined;
    s = h;
  }
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return undefined;
    s = s.slice(1, end);
  } else if (/^[^:]+:\d+$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(':')); // v4 or host with port
  }
  const v4 = parseV4(s);
  if (v4) return { ip: v4.join('.'), family: 4, parts: v4 };
  let v6 = parseV6(s);
  // unbracketed "v6:port" as Node prints `${remoteAddress}:${remotePort}` (e.g. ::ffff:10.0.0.1:5000)
  if (!v6 && /:\d{1,5}$/.test(s)) v6 = parseV6(s.slice(0, s.lastIndexOf(':')));
  if (!v6) return undefined;
  // IPv4-mapped ::ffff:a.b.c.d → IPv4
  if (v6.slice(0, 5).every((g) => g === 0) && v6[5] === 0xffff) {
    const p = [v6[6] >> 8, v6[6] & 0xff, v6[7] >> 8, v6[7] & 0xff];
    return { ip: p.join('.'), family: 4, parts: p };
  }
  return { ip: v6.map((g) => g.toString(16)).join(':'), family: 6, parts: v6 };
}

/** The address's prefix group: `a.b.0.0/16` (IPv4) or `xxxx:xxxx:xxxx::/48` (IPv6); undefined for non-IP input. */
export function prefixGroup(address: string | ParsedAddress): string | undefined {
  const a = typeof address === 'string' ? parseAddress(address) : address;
  if (!a) return undefined;
  if (a.family === 4) return `${a.parts[0]}.${a.parts[1]}.0.0/16`;
  return `${a.parts.slice(0, 3).map((g) => g.toString(16)).join(':')}::/48`;
}

/**
 * True for loopback, private and link-local addresses: IPv4 127/8, 10/8, 172.16/12,
 * 192.168/16, 169.254/16 (RFC 1122, RFC 1918, RFC 3927); IPv6 ::1, fc00::/7 (RFC 4193),
 * fe80::/10 (RFC 4291). Carrier-grade NAT (100.64/10) is not private: many subscribers
 * share it.
 */
export function isPrivateAddress(address: string | ParsedAddress): boolean {
  const a = typeof address === 'string' ? parseAddress(address) : address;
  if (!a) return false;
  const p = a.parts;
  if (a.family === 4) {
    return p[0] === 127 || p[0] === 10 || (p[0] === 172 && p[1] >= 16 && p[1] <= 31) || (p[0] === 192 && p[1] === 168) || (p[0] === 169 && p[1] === 254);
  }
  if (p.slice(0, 7).every((g) => g === 0) && p[7] === 1) return true;
  return (p[0] & 0xfe00) === 0xfc00 || (p[0] & 0xffc0) === 0xfe80;
}

/** The host part of a URL's authority (`ws://[::1]:80/x` → `::1`), or undefined for a malformed URL. */
export function urlHost(url: string): string | undefined {
  try {
    const h = new URL(url).hostname;
    return h.startsWith('[') ? h.slice(1, -1) : h;
  } catch {
    return undefined;
  }
}
