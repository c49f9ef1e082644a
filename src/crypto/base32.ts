// RFC 4648 base32 (the alphabet authenticator apps read TOTP secrets in), unpadded on output.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Encodes bytes as unpadded RFC 4648 base32 (upper case). */
export function encodeBase32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * Decodes RFC 4648 base32, case-insensitively, with or without "=" padding. Throws `TypeError` on
 * any other character, on a length no encoder produces, or on non-zero trailing bits (one value, one spelling).
 */
export function decodeBase32(s: string): Uint8Array {
  const text = s.replace(/=+$/, "").toUpperCase();
  // Lengths 1, 3 and 6 (mod 8) leave whole bytes unaccounted for: no encoder writes them.
  if ([1, 3, 6].includes(text.length % 8)) throw new TypeError("Invalid base32 length");
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value === -1) throw new TypeError("Invalid base32 character");
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) throw new TypeError("Non-canonical base32 string");
  return out;
}
