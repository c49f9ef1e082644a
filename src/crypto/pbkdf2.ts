// Django's PBKDF2 password hashes ("pbkdf2_sha256$<iterations>$<salt>$<hash>", and pbkdf2_sha1):
// WebCrypto up to the production Workers cap, the plain-JS derivation above it.

import { constantTimeEqual, encodeBase64, randomString, utf8 } from "./bytes";
import { pbkdf2Pure } from "../lazy/load";

/**
 * Highest iteration count WebCrypto derives with, and so the most we hash new passwords with.
 * Production Workers reject PBKDF2 above 100,000 iterations while local workerd does not, so
 * the cap is enforced here to keep tests and production identical. Stored hashes above it
 * (Django's own defaults are 260,000 to 1,200,000) are verified by the plain-JS derivation.
 */
export const PBKDF2_MAX_ITERATIONS = 100_000;

/**
 * The most iterations a stored hash may ask for (Django 6.0 writes 1,200,000): above it the check is
 * refused rather than run, since about 1 µs per iteration in plain JS would let one hostile imported
 * row hold an isolate's CPU for seconds per login attempt.
 */
export const PBKDF2_VERIFY_MAX_ITERATIONS = 2_000_000;

const ALGORITHM = "pbkdf2_sha256";
const DIGESTS = { pbkdf2_sha256: "SHA-256", pbkdf2_sha1: "SHA-1" } as const;
export type Pbkdf2Algorithm = keyof typeof DIGESTS;
/** Django's RANDOM_STRING_CHARS. */
const RANDOM_STRING_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/** Django's 128-bit salt entropy over 62 symbols: ceil(128 / log2(62)). */
const SALT_LENGTH = 22;
/** Django's UNUSABLE_PASSWORD_PREFIX and UNUSABLE_PASSWORD_SUFFIX_LENGTH. */
const UNUSABLE_PASSWORD_PREFIX = "!";
const UNUSABLE_PASSWORD_SUFFIX_LENGTH = 40;
// Django formats the count with %d, so only the canonical decimal spelling can ever verify.
const ITERATIONS_PATTERN = /^[1-9][0-9]*$/;

export interface DecodedPbkdf2 {
  algorithm: Pbkdf2Algorithm;
  iterations: number;
  salt: string;
}

function isValidIterations(iterations: number): boolean {
  return Number.isInteger(iterations) && iterations >= 1 && iterations <= PBKDF2_MAX_ITERATIONS;
}

/** The parts of a well-formed `pbkdf2_sha256$…` or `pbkdf2_sha1$…` string (any iteration count), else null. */
export function decodePbkdf2(encoded: string): DecodedPbkdf2 | null {
  const parts = encoded.split("$");
  if (parts.length !== 4) return null;
  const [algorithm, iterations, salt, hash] = parts;
  if (algorithm !== "pbkdf2_sha256" && algorithm !== "pbkdf2_sha1") return null;
  if (!iterations || !ITERATIONS_PATTERN.test(iterations) || !Number.isSafeInteger(Number(iterations))) return null;
  if (!salt || !hash) return null;
  return { algorithm, iterations: Number(iterations), salt };
}

async function deriveKey(algorithm: Pbkdf2Algorithm, password: string, salt: string, iterations: number): Promise<Uint8Array> {
  const hash = DIGESTS[algorithm];
  // Above the cap WebCrypto would throw on production Workers: the plain-JS loop (a lazily loaded
  // module, only imported hashes get there) has no limit.
  if (iterations > PBKDF2_MAX_ITERATIONS) return (await pbkdf2Pure()).pbkdf2Pure(hash, utf8(password), utf8(salt), iterations);
  const key = await crypto.subtle.importKey("raw", utf8(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash, salt: utf8(salt), iterations },
    key,
    hash === "SHA-256" ? 256 : 160,
  );
  return new Uint8Array(bits);
}

function encode(algorithm: Pbkdf2Algorithm, iterations: number, salt: string, derived: Uint8Array): string {
  return `${algorithm}$${iterations}$${salt}$${encodeBase64(derived)}`;
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
  return encode(ALGORITHM, iterations, actualSalt, await deriveKey(ALGORITHM, password, actualSalt, iterations));
}

/**
 * Checks `password` against a Django `pbkdf2_sha256$…` or `pbkdf2_sha1$…` string at any
 * iteration count. Returns false, without deriving, for malformed strings and other
 * algorithms; otherwise re-encodes and compares the whole string in constant time, as
 * Django does. Counts above PBKDF2_MAX_ITERATIONS cost about 1 µs of CPU per iteration
 * (README, "Leaving Django"): only the import writes such rows, no user can.
 */
export async function verifyPbkdf2(password: string, encoded: string): Promise<boolean> {
  const decoded = decodePbkdf2(encoded);
  if (!decoded || decoded.iterations > PBKDF2_VERIFY_MAX_ITERATIONS) return false;
  const { algorithm, iterations, salt } = decoded;
  const candidate = encode(algorithm, iterations, salt, await deriveKey(algorithm, password, salt, iterations));
  return constantTimeEqual(utf8(candidate), utf8(encoded));
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

/**
 * A well-formed hash at `iterations` that no password matches: random bytes stand where the derived
 * key would be, since nothing ever needs to verify against it. Made without a derivation, so even the
 * first unknown-user login of an isolate costs exactly one.
 */
function getDummyHash(iterations: number): string {
  return encode(ALGORITHM, iterations, randomString(SALT_LENGTH, RANDOM_STRING_CHARS), crypto.getRandomValues(new Uint8Array(32)));
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
  await verifyPbkdf2(password, getDummyHash(iterations));
  return false;
}

/**
 * Derives `iterations` of PBKDF2-SHA256 and throws the result away: what a failed check against a
 * cheaper hash still owes to cost as much as one at our work factor (Django's harden_runtime).
 */
export async function spendPbkdf2(password: string, salt: string, iterations: number): Promise<void> {
  await deriveKey("pbkdf2_sha256", password, salt, iterations);
}
