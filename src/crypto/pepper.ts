// The password pepper: a server-side secret keyed into every new hash (PASSWORD_PEPPERS), so a copy of
// the database alone is not enough to test password guesses offline.
import { encodeBase64, utf8 } from "./bytes";
import { importHmacKey } from "./hmac";

/** One entry of PASSWORD_PEPPERS: its version (named in every hash made with it) and its secret. */
export interface PasswordPepper {
  id: number;
  secret: Uint8Array;
}

/** Hashes made with pepper N are stored as `pbkdf2_sha256_pepperN$<iterations>$<salt>$<hash>`. */
const PEPPERED = /^pbkdf2_sha256_pepper([1-9][0-9]{0,8})$/;

/** The algorithm name of a hash made with pepper `id`. */
export function pepperedAlgorithm(id: number): string {
  return `pbkdf2_sha256_pepper${id}`;
}

/** The pepper version an algorithm name asks for, or null when it is not a peppered hash. */
export function pepperIdOf(algorithm: string): number | null {
  const match = PEPPERED.exec(algorithm);
  return match ? Number(match[1]) : null;
}

/**
 * What PBKDF2 is run on instead of the password: base64(HMAC-SHA256(pepper, password)). Keyed
 * before the slow function, so without the pepper no guess can even be started; as text, so a
 * Django PBKDF2PasswordHasher subclass reproduces it in one line (README, "Password pepper"); and
 * always 44 bytes, so every derivation costs the same whatever the password's length.
 */
export async function pepperPassword(pepper: PasswordPepper, password: string): Promise<string> {
  const key = await importHmacKey(pepper.secret);
  return encodeBase64(new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(password))));
}
