// Django-compatible PBKDF2-SHA256 password hashes ("pbkdf2_sha256$<iterations>$<salt>$<hash>") on WebCrypto.

import { constantTimeEqual, encodeBase64, randomString, utf8 } from "./bytes";

/**
 * Highest iteration count we derive with. Production Workers reject PBKDF2 above
 * 100,000 iterations while local workerd does not, so the cap is enforced here to
 * keep tests and production identical.
 */
export const PBKDF2_MAX_ITERATIONS = 100_000;

const ALGORITHM = "pbkdf2_sha256";
/** Django's RANDOM_STRING_CHARS. */
const RANDOM_STRING_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** Django's 128-bit salt entropy over 62 symbols: ceil(128 / log2(62)). */
const SALT_LENGTH = 22;
/** Django's UNUSABLE_PASSWORD_PREFIX and UNUSABLE_PASSWORD_SUFFIX_LENGTH. */
const UNUSABLE_PASSWORD_PREFIX = "!";
const UNUSABLE_PASSWORD_SUFFIX_LENGTH = 40;
// Django formats the count with %d, so only the canonical decimal spelling can ever verify.
const ITERATIONS_PATTERN = /^[1-9][0-9]*$/;

interface DecodedHash {
  iterations: number;
  salt: string;
}

function isValidIterations(iterations: number): boolean {
  return Number.isInteger(iterations) && iterations >= 1 && iterations <= PBKDF2_MAX_ITERATIONS;
}

function decodeHash(encoded: string): DecodedHash | null {
  const parts = encoded.split("$");
  if (parts.length !== 4) return null;
  const [algorithm, iterations, salt, hash] = parts;
  if (algorithm !== ALGORITHM || !iterations || !ITERATIONS_PATTERN.test(iterations)) return null;
  if (!salt || !hash) return null;
  return { iterations: Number(iterations), salt };
}

async function deriveKey(password: string, salt: string, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: utf8(salt), iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * Hashes `password` exactly as Django's PBKDF2PasswordHasher.encode does.
 * `salt` defaults to 22 random characters from [a-zA-Z0-9]. Throws `TypeError`
 * if `iterations` is not an integer in 1..PBKDF2_MAX_ITERATIONS or the salt is
 * empty or contains "$".
 */
export async function hashPassword(password: string, iterations: number, salt?: string): Promise<string> {
  if (!isValidIterations(iterations)) {
    throw new TypeError(`Iterations must be an integer from 1 to ${PBKDF2_MAX_ITERATIONS}`);
  }
  const actualSalt = salt ?? randomString(SALT_LENGTH, RANDOM_STRING_CHARS);
  if (actualSalt === "" || actualSalt.includes("$")) {
    throw new TypeError('Salt must be non-empty and must not contain "$"');
  }
  const derived = await deriveKey(password, actualSalt, iterations);
  return `${ALGORITHM}$${iterations}$${actualSalt}$${encodeBase64(derived)}`;
}

/**
 * Checks `password` against a Django `pbkdf2_sha256$…` string. Returns false,
 * without deriving, for malformed or unusable hashes, other algorithms and
 * iteration counts above PBKDF2_MAX_ITERATIONS; otherwise re-encodes and
 * compares the whole string in constant time, as Django does.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const decoded = decodeHash(encoded);
  // Refusing here, rather than deriving, is what keeps an oversized stored count
  // from failing the request on production Workers.
  if (!decoded || !isValidIterations(decoded.iterations)) return false;
  const candidate = await hashPassword(password, decoded.iterations, decoded.salt);
  return constantTimeEqual(utf8(candidate), utf8(encoded));
}

/**
 * Returns the iteration count of a well-formed `pbkdf2_sha256$…` string, even
 * one above PBKDF2_MAX_ITERATIONS, or null for anything else. Login compares it
 * with the configured count to decide whether to rehash.
 */
export function getHashIterations(encoded: string): number | null {
  return decodeHash(encoded)?.iterations ?? null;
}

/** Returns a Django-style unusable password: "!" followed by 40 random [a-zA-Z0-9] characters. */
export function makeUnusablePassword(): string {
  return UNUSABLE_PASSWORD_PREFIX + randomString(UNUSABLE_PASSWORD_SUFFIX_LENGTH, RANDOM_STRING_CHARS);
}

/**
 * Whether a stored password can ever verify. Like Django's is_password_usable,
 * any string not starting with "!" counts as usable; unlike it, null (no
 * password stored, e.g. a social-only account) is unusable.
 */
export function isUsablePassword(encoded: string | null): boolean {
  return encoded !== null && !encoded.startsWith(UNUSABLE_PASSWORD_PREFIX);
}

// One dummy hash per iteration count, cached per isolate: it is not secret, and
// computing it once keeps every unknown-user login at exactly one derivation.
const dummyHashes = new Map<number, Promise<string>>();

function getDummyHash(iterations: number): Promise<string> {
  let hash = dummyHashes.get(iterations);
  if (!hash) {
    hash = hashPassword(randomString(SALT_LENGTH, RANDOM_STRING_CHARS), iterations);
    hash.catch(() => dummyHashes.delete(iterations));
    dummyHashes.set(iterations, hash);
  }
  return hash;
}

/**
 * Spends the same PBKDF2 time as verifying a real user's password, then returns
 * false, so login for an unknown user cannot be told apart by timing (Django's
 * ModelBackend hashes the password for the same reason). Throws `TypeError`
 * for an invalid iteration count.
 */
export async function verifyAgainstDummy(password: string, iterations: number): Promise<false> {
  if (!isValidIterations(iterations)) {
    throw new TypeError(`Iterations must be an integer from 1 to ${PBKDF2_MAX_ITERATIONS}`);
  }
  await verifyPassword(password, await getDummyHash(iterations));
  return false;
}
