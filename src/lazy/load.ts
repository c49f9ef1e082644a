// The modules only rare requests need, loaded on first use instead of parsed at every cold start.
// scripts/build-lazy.mjs bundles each one into ./generated/<name>.mjs (not in git). wrangler uploads
// them beside the Worker: wrangler.toml's base_dir is this folder, so each import's relative path is
// also the uploaded module's name, which is why every lazy import lives here. The vitest pool
// resolves the same paths from this file. The `as string` keeps tsc from resolving a file that
// exists only after the build step (esbuild and vite still see the literal); the types come from
// the sources, statically.

type DjangoHashers = typeof import("../crypto/django-hashers/index");
type Pbkdf2Pure = typeof import("../crypto/pbkdf2-pure");
type SocialProviders = typeof import("../features/social/providers/verify");
type MfaQr = typeof import("../features/mfa/qr");

/**
 * One load per isolate, shared by concurrent first users. A failed load fails the request that
 * needed it (never a fallback that would pass a check unverified) and is tried again by the next.
 */
export function lazy<T>(name: string, load: () => Promise<unknown>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= (load() as Promise<T>).catch((error: unknown) => {
      loading = undefined;
      throw new Error(`lazy module ${name} failed to load (scripts/build-lazy.mjs builds it)`, { cause: error });
    }));
}

/** argon2, bcrypt/bcrypt_sha256 and scrypt (src/crypto/django-hashers/). */
export const djangoHashers = lazy<DjangoHashers>("django-hashers", () => import("./generated/django-hashers.mjs" as string));

/** PBKDF2 in plain JS, for stored hashes above WebCrypto's iteration cap (src/crypto/pbkdf2-pure.ts). */
export const pbkdf2Pure = lazy<Pbkdf2Pure>("pbkdf2-pure", () => import("./generated/pbkdf2-pure.mjs" as string));

/** The social providers' credential verification (src/features/social/providers/verify.ts). */
export const socialProviders = lazy<SocialProviders>("social-providers", () => import("./generated/social-providers.mjs" as string));

/** MFA setup's QR code (src/features/mfa/qr.ts). */
export const mfaQr = lazy<MfaQr>("mfa-qr", () => import("./generated/mfa-qr.mjs" as string));
