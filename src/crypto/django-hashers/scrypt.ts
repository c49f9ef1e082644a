// Django's ScryptPasswordHasher (4.0+): "scrypt$<N>$<salt>$<r>$<p>$<base64 of 64 bytes>".
import { scrypt } from "@noble/hashes/scrypt.js";
import { MAX_HASH_MEMORY_BYTES, encodeBase64, parseCount, timingSafeEqual, utf8 } from "./shared";

const PATTERN = /^scrypt\$([0-9]+)\$([^$]+)\$([0-9]+)\$([0-9]+)\$([A-Za-z0-9+/]+={0,2})$/;

/** Re-encodes with the stored parameters and compares the whole string in constant time, as Django does. */
export function verifyScrypt(password: string, encoded: string): boolean {
  const match = PATTERN.exec(encoded);
  if (!match) return false;
  const [, n, salt, r, p] = match;
  const cost = parseCount(n, 2, 2 ** 30);
  const blockSize = parseCount(r, 1, 1024);
  // Django's default is p=1; each one more is a full pass over the memory: more than 16 is refused.
  const parallelism = parseCount(p, 1, 16);
  if (cost === null || blockSize === null || parallelism === null || (cost & (cost - 1)) !== 0) return false;
  // scrypt holds N blocks of 128·r bytes, plus p of them.
  if (128 * blockSize * (cost + parallelism) > MAX_HASH_MEMORY_BYTES) return false;
  const derived = scrypt(utf8(password), utf8(salt!), { N: cost, r: blockSize, p: parallelism, dkLen: 64, maxmem: 2 * MAX_HASH_MEMORY_BYTES });
  const candidate = `scrypt$${cost}$${salt}$${blockSize}$${parallelism}$${encodeBase64(derived)}`;
  return timingSafeEqual(utf8(candidate), utf8(encoded));
}
