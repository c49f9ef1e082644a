// Making and verifying stored passwords: ours (PBKDF2-SHA256, peppered when PASSWORD_PEPPERS is set),
// any Django hasher we support, whether a hash should be replaced, and the dummy work that keeps an
// unknown account's answer as slow as a known one's.
// argon2, bcrypt and scrypt are a lazily loaded module (src/lazy/load.ts): their 18 KiB gzip are
// loaded by the first request that meets such a hash, not parsed at every cold start.
import { djangoHashers } from "../lazy/load";
import { SUPPORTED_HASHERS, hasherOf } from "./hashers";
import { type PasswordPepper, pepperedAlgorithm, pepperIdOf, pepperPassword } from "./pepper";
import { decodePbkdf2, hashPassword, isUsablePassword, PBKDF2_VERIFY_MAX_ITERATIONS, spendPbkdf2, verifyAgainstDummy as verifyPlainDummy, verifyPbkdf2 } from "./pbkdf2";

/** What hashing depends on; Config has both. */
export interface PasswordSettings {
  pbkdf2Iterations: number;
  /** Newest first: the first peppers new hashes, each verifies the hashes that name it. Empty = no pepper. */
  passwordPeppers: readonly PasswordPepper[];
}

const PLAIN = "pbkdf2_sha256";

/** A peppered hash as the plain Django string over the peppered input (only the algorithm name differs). */
function asPlain(encoded: string, algorithm: string): string {
  return PLAIN + encoded.slice(algorithm.length);
}

/** The peppered input for a hash made with pepper `id`, or null when that pepper is not configured. */
async function pepperedInput(password: string, id: number, peppers: readonly PasswordPepper[]): Promise<string | null> {
  const pepper = peppers.find((candidate) => candidate.id === id);
  return pepper ? pepperPassword(pepper, password) : null;
}

/**
 * A new stored password: Django's pbkdf2_sha256 at PBKDF2_ITERATIONS, over HMAC(newest pepper,
 * password) and named `pbkdf2_sha256_pepper<id>` when PASSWORD_PEPPERS is set.
 */
export async function makePassword(password: string, settings: PasswordSettings): Promise<string> {
  const [newest] = settings.passwordPeppers;
  if (!newest) return hashPassword(password, settings.pbkdf2Iterations);
  const plain = await hashPassword(await pepperPassword(newest, password), settings.pbkdf2Iterations);
  return pepperedAlgorithm(newest.id) + plain.slice(PLAIN.length);
}

/**
 * Checks `password` against a stored password: ours, peppered or not, and Django's pbkdf2_sha256 and
 * pbkdf2_sha1 at any iteration count, argon2, bcrypt_sha256, bcrypt and scrypt. False for unusable
 * ("!…") passwords, for hashers we do not support (sha1, md5, crypt, …), for a pepper version no longer
 * in PASSWORD_PEPPERS and for malformed strings.
 */
export async function verifyPassword(password: string, encoded: string | null, peppers: readonly PasswordPepper[]): Promise<boolean> {
  if (encoded === null || !isUsablePassword(encoded)) return false;
  const hasher = hasherOf(encoded);
  const pepperId = pepperIdOf(hasher);
  if (pepperId !== null) {
    const input = await pepperedInput(password, pepperId, peppers);
    return input !== null && verifyPbkdf2(input, asPlain(encoded, hasher));
  }
  if (hasher === "pbkdf2_sha256" || hasher === "pbkdf2_sha1") return verifyPbkdf2(password, encoded);
  if (!SUPPORTED_HASHERS.has(hasher)) return false;
  return (await djangoHashers()).verifyDjangoHash(password, encoded);
}

/**
 * Whether a password that just verified should be stored again: anything but our current algorithm
 * (the newest pepper's, or plain pbkdf2_sha256 without one) at PBKDF2_ITERATIONS. So imported Django
 * hashes, and hashes under an older pepper, are replaced at the next successful login.
 */
export function needsRehash(encoded: string, settings: PasswordSettings): boolean {
  const [newest] = settings.passwordPeppers;
  const hasher = hasherOf(encoded);
  if (hasher !== (newest ? pepperedAlgorithm(newest.id) : PLAIN)) return true;
  return decodePbkdf2(asPlain(encoded, hasher))?.iterations !== settings.pbkdf2Iterations;
}

/**
 * Spends what checking a real password at the current settings costs (the newest pepper's HMAC, then
 * PBKDF2 at our count against a dummy hash), then returns false, so a login for an unknown account
 * cannot be told apart by timing (Django's ModelBackend hashes the password for the same reason).
 */
export async function verifyAgainstDummy(password: string, settings: PasswordSettings): Promise<false> {
  const [newest] = settings.passwordPeppers;
  return verifyPlainDummy(newest ? await pepperPassword(newest, password) : password, settings.pbkdf2Iterations);
}

/**
 * After a failed check, makes it take at least as long as one at the current settings, so an account
 * cannot be told from an unknown one by timing. Django's PBKDF2PasswordHasher.harden_runtime for a
 * cheaper pbkdf2_sha256 hash, peppered or not (derive the missing iterations); a whole dummy check
 * where the stored string did no comparable work: a hasher we do not verify (md5, crypt, …), a malformed
 * or cheaper pbkdf2_sha1, a malformed pbkdf2_sha256, a count over the verification cap, or a pepper that
 * is no longer configured. Costlier
 * hashers already took longer; nothing is evened out there.
 */
export async function hardenRuntime(password: string, encoded: string, settings: PasswordSettings): Promise<void> {
  const iterations = settings.pbkdf2Iterations;
  const hasher = hasherOf(encoded);
  const pepperId = pepperIdOf(hasher);
  const plain = pepperId === null ? encoded : asPlain(encoded, hasher);
  const pepperMissing = pepperId !== null && !settings.passwordPeppers.some((pepper) => pepper.id === pepperId);
  const decoded = decodePbkdf2(plain);
  if (!pepperMissing && decoded?.algorithm === "pbkdf2_sha256" && decoded.iterations < iterations) {
    // The HMAC only when there is something to spend: the check itself already ran one.
    const input = pepperId === null ? password : (await pepperedInput(password, pepperId, settings.passwordPeppers))!;
    await spendPbkdf2(input, decoded.salt, iterations - decoded.iterations);
    return;
  }
  const plainHasher = hasherOf(plain);
  const didNoWork =
    pepperMissing ||
    !SUPPORTED_HASHERS.has(plainHasher) ||
    (decoded === null && (plainHasher === "pbkdf2_sha256" || plainHasher === "pbkdf2_sha1")) ||
    (decoded !== null && decoded.iterations > PBKDF2_VERIFY_MAX_ITERATIONS) ||
    (decoded?.algorithm === "pbkdf2_sha1" && decoded.iterations < iterations);
  if (didNoWork) await verifyAgainstDummy(password, settings);
}
