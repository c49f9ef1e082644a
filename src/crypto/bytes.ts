// Byte helpers shared by the crypto primitives: encodings, randomness and constant-time comparison.
import { base64url } from "jose";

const textEncoder = new TextEncoder();

const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

// getRandomValues refuses more than 65,536 bytes per call.
const RANDOM_CHUNK = 65_536;

/** Encodes `s` as UTF-8. */
export function utf8(s: string): Uint8Array {
  return textEncoder.encode(s);
}

/** Encodes bytes as standard, padded base64 (RFC 4648 §4). */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunked so String.fromCharCode never gets more arguments than the engine allows.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** Encodes bytes as unpadded base64url (RFC 4648 §5), as used in JWTs and URLs (jose's encoder). */
export function encodeBase64Url(bytes: Uint8Array): string {
  return base64url.encode(bytes);
}

/** Decodes unpadded base64url. Throws `TypeError` on padding, bad characters or a non-canonical value. */
export function decodeBase64Url(s: string): Uint8Array {
  if (!BASE64URL_PATTERN.test(s)) throw new TypeError("Invalid base64url string");
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(s);
  } catch {
    throw new TypeError("Invalid base64url string");
  }
  // jose accepts stray trailing bits ("Zh" decodes like "Zg"): one value must have one spelling.
  if (base64url.encode(bytes) !== s) throw new TypeError("Non-canonical base64url string");
  return bytes;
}

/** Returns `n` cryptographically random bytes. Throws `TypeError` unless `n` is a non-negative integer. */
export function randomBytes(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError("Byte count must be a non-negative integer");
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i += RANDOM_CHUNK) {
    crypto.getRandomValues(bytes.subarray(i, i + RANDOM_CHUNK));
  }
  return bytes;
}

/**
 * Compares two byte arrays without leaking where they differ. A length mismatch
 * returns false at once: lengths are not secret for the values compared here.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  return crypto.subtle.timingSafeEqual(a, b);
}

/**
 * Returns `length` symbols drawn uniformly from `alphabet` (1 to 256 distinct
 * code points). Bytes that would bias the draw are rejected rather than reduced
 * modulo the alphabet size.
 */
export function randomString(length: number, alphabet: string): string {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new TypeError("Length must be a non-negative integer");
  }
  const symbols = Array.from(alphabet);
  if (symbols.length === 0 || symbols.length > 256 || new Set(symbols).size !== symbols.length) {
    throw new TypeError("Alphabet must have 1 to 256 distinct symbols");
  }
  // Largest multiple of the alphabet size that fits in a byte: bytes at or above it are redrawn.
  const limit = 256 - (256 % symbols.length);
  let out = "";
  let produced = 0;
  while (produced < length) {
    for (const byte of randomBytes(Math.max(16, (length - produced) * 2))) {
      if (byte >= limit) continue;
      out += symbols[byte % symbols.length];
      if (++produced === length) break;
    }
  }
  return out;
}
