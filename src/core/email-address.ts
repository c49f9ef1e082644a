// Django's EmailValidator (5.2+, domain built on DomainNameValidator), plus: no control, format
// (zero-width, bidi), separator, surrogate, private-use or unassigned character anywhere.

/**
 * Django lets these through inside a quoted local part (\001-\037) and, in a domain, anything in
 * U+00A1–U+FFFF, which includes U+200B, U+202E and U+FEFF: an address that renders like another one
 * is how a look-alike account or a misdirected mail starts, so none of them is accepted here.
 */
const FORBIDDEN = /[\p{C}\p{Z}]/u;

const DOT_ATOM = /^[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9A-Za-z]+)*$/;
const QUOTED = /^"(?:[\x01-\x08\x0b\x0c\x0e-\x1f!#-[\]-\x7f]|\\[\x01-\x09\x0b\x0c\x0e-\x7f])*"$/;

// DomainNameValidator's parts; `ul` is Django's "Unicode letters" range (BMP only, as in Python).
const UL = "\\u00a1-\\uffff";
const HOSTNAME = `[a-z${UL}0-9](?:[a-z${UL}0-9-]{0,61}[a-z${UL}0-9])?`;
const LABELS = `(?:\\.(?!-)[a-z${UL}0-9-]{1,63}(?<!-))*`;
const TLD = `\\.(?!-)(?:[a-z${UL}-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)`;
const DOMAIN = new RegExp(`^${HOSTNAME}${LABELS}${TLD}$`, "iu");
const LITERAL = /^\[([A-F0-9:.]+)\]$/i;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Django's domain_allowlist: compared exactly, as Django does. */
const DOMAIN_ALLOWLIST = new Set(["localhost"]);

function isIpv6(value: string): boolean {
  // Python's ipaddress refuses more than 39 characters; the URL parser checks the grammar.
  if (value.length > 39 || !value.includes(":")) return false;
  try {
    new URL(`http://[${value}]/`);
    return true;
  } catch {
    return false;
  }
}

function validDomain(domain: string): boolean {
  if (DOMAIN_ALLOWLIST.has(domain) || DOMAIN.test(domain)) return true;
  const literal = LITERAL.exec(domain)?.[1];
  return literal !== undefined && (IPV4.test(literal) || isIpv6(literal));
}

/** Whether Django's validate_email would accept `value`, and it holds none of the characters above. */
export function isValidEmail(value: string): boolean {
  // RFC 3696 §3's 320, as Django; EmailField's own 254 is the field's length check.
  if (value.length === 0 || value.length > 320 || FORBIDDEN.test(value)) return false;
  const at = value.lastIndexOf("@");
  if (at < 0) return false;
  const user = value.slice(0, at);
  return (DOT_ATOM.test(user) || QUOTED.test(user)) && validDomain(value.slice(at + 1));
}
