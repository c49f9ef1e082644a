// What the hashers of this module share: limits, base64 and the constant-time comparison.
// The module is bundled on its own (scripts/build-lazy.mjs), so it imports nothing from the Worker.

/**
 * Most memory one verification may take. A Worker isolate has 128 MB; Django's argon2 default
 * (m=102400 KiB, Django 3.2+) needs exactly this much, and anything larger would take the isolate
 * and every request in it down, so such hashes are refused (the import warns about them).
 */
export const MAX_HASH_MEMORY_BYTES = 100 * 1024 * 1024;

const encoder = new TextEncoder();

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Standard base64, padded or not (argon2 strings drop the padding); null if malformed. */
export function decodeBase64(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) return null;
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Constant-time equality; lengths are not secret here (they come from the stored hash). */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && (a.length === 0 || crypto.subtle.timingSafeEqual(a, b));
}

/** A canonical decimal integer in [min, max] (Django formats counts with %d), else null. */
export function parseCount(s: string | undefined, min: number, max: number): number | null {
  if (!s || !/^[1-9][0-9]*$/.test(s)) return null;
  const n = Number(s);
  return n >= min && n <= max ? n : null;
}
