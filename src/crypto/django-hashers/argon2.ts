// Django's Argon2PasswordHasher: "argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>" (argon2-cffi's string after "argon2").
import { argon2d, argon2i, argon2id } from "@noble/hashes/argon2.js";
import { MAX_HASH_MEMORY_BYTES, decodeBase64, parseCount, timingSafeEqual, utf8 } from "./shared";

// Django 1.10-3.1 made argon2i, 3.2+ argon2id; argon2-cffi before 16.0 wrote no "v=" (version 0x10).
const PATTERN = /^argon2\$(argon2id|argon2i|argon2d)\$(?:v=(16|19)\$)?m=([0-9]+),t=([0-9]+),p=([0-9]+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const VARIANTS = { argon2id, argon2i, argon2d };

/** Checks `password` against an argon2 hash as argon2-cffi's PasswordHasher.verify does (the parameters come from the string). */
export function verifyArgon2(password: string, encoded: string): boolean {
  const match = PATTERN.exec(encoded);
  if (!match) return false;
  const [, variant, version, m, t, p, salt64, hash64] = match;
  const lanes = parseCount(p, 1, 255);
  const memory = parseCount(m, 8 * (lanes ?? 1), MAX_HASH_MEMORY_BYTES / 1024);
  // Django's default is 2 passes (about 1.4 s here at its 100 MiB): more than 8 is refused, not run.
  const passes = parseCount(t, 1, 8);
  const salt = decodeBase64(salt64!);
  const expected = decodeBase64(hash64!);
  if (lanes === null || memory === null || passes === null || !salt || salt.length < 8 || !expected || expected.length < 4) return false;
  const derived = VARIANTS[variant as keyof typeof VARIANTS](utf8(password), salt, {
    t: passes,
    m: memory,
    p: lanes,
    version: version === "19" ? 0x13 : 0x10,
    dkLen: expected.length,
  });
  return timingSafeEqual(derived, expected);
}
