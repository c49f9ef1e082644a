// Verifying a stored password of any Django hasher we support, and whether it should be replaced by ours.
import { SUPPORTED_HASHERS, hasherOf } from "./hashers";
import { decodePbkdf2, isUsablePassword, verifyPbkdf2 } from "./pbkdf2";

type DjangoHashers = typeof import("./django-hashers/index");

let loading: Promise<DjangoHashers> | undefined;

// argon2, bcrypt and scrypt come from a separate module (scripts/build-hashers.mjs builds it; wrangler
// uploads it beside the bundle, see wrangler.toml): its 18 KiB gzip are loaded by the first request
// that meets such a hash, not parsed at every cold start. The `as string` keeps tsc from resolving
// a file that exists only after the build step; esbuild and vite still see the literal.
function djangoHashers(): Promise<DjangoHashers> {
  loading ??= (import("./generated/django-hashers.mjs" as string) as Promise<DjangoHashers>).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

/**
 * Checks `password` against a stored Django password: pbkdf2_sha256 and pbkdf2_sha1 at any
 * iteration count, argon2, bcrypt_sha256, bcrypt and scrypt. False for unusable ("!…")
 * passwords, for hashers we do not support (sha1, md5, crypt, …) and for malformed strings.
 */
export async function verifyPassword(password: string, encoded: string | null): Promise<boolean> {
  if (encoded === null || !isUsablePassword(encoded)) return false;
  const hasher = hasherOf(encoded);
  if (hasher === "pbkdf2_sha256" || hasher === "pbkdf2_sha1") return verifyPbkdf2(password, encoded);
  if (!SUPPORTED_HASHERS.has(hasher)) return false;
  return (await djangoHashers()).verifyDjangoHash(password, encoded);
}

/**
 * Whether a password that just verified should be stored again as ours: any other hasher, or
 * pbkdf2_sha256 at another iteration count (Django's must_update, with our hasher preferred).
 */
export function needsRehash(encoded: string, iterations: number): boolean {
  const decoded = decodePbkdf2(encoded);
  return decoded?.algorithm !== "pbkdf2_sha256" || decoded.iterations !== iterations;
}
