// The network a client address belongs to, for per-client throttles: an IPv4 address itself, an IPv6
// address its /64 (one subscriber's allocation: a host picks any of its 2^64 addresses at will).

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function ipv4(text: string): string | null {
  const match = IPV4.exec(text);
  if (!match) return null;
  const octets = match.slice(1).map(Number);
  return octets.every((octet) => octet <= 255) ? octets.join(".") : null;
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail becomes the last two), or null. */
function ipv6Groups(text: string): number[] | null {
  let address = text;
  const dotted = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (dotted) {
    const v4 = ipv4(dotted[1]!);
    if (!v4) return null;
    const [a, b, c, d] = v4.split(".").map(Number) as [number, number, number, number];
    address = `${address.slice(0, address.length - dotted[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group))) return null;
  return groups.map((group) => parseInt(group, 16));
}

/**
 * `203.0.113.7` → `203.0.113.7`; `2001:db8:0:1:aaaa::1` → `2001:db8:0:1::/64`; an IPv4-mapped IPv6
 * address → its IPv4 address. Anything else (no address: a request that bypassed Cloudflare) is one
 * shared "unknown" client or its own text, lower-cased.
 */
export function networkOf(ip: string | null): string {
  const text = (ip ?? "").trim().replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  if (!text) return "unknown";
  const v4 = ipv4(text);
  if (v4) return v4;
  const groups = ipv6Groups(text);
  if (!groups) return text.toLowerCase();
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join(".");
  }
  return `${groups.slice(0, 4).map((group) => group.toString(16)).join(":")}::/64`;
}
