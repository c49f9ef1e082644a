// Parsers for the key settings: JWT_ALGORITHM with JWT_PRIVATE_KEYS (contract §2.8), MFA_ENCRYPTION_KEYS and PASSWORD_PEPPERS.
// Their messages never quote the value: it is a secret.
import { ConfigError, DEV_SECRET_PREFIX, readString } from "./config-values";
import type { Bindings } from "./config";
import { decodeBase64Url } from "./crypto/bytes";
import type { PasswordPepper } from "./crypto/pepper";

export type JwtAlgorithm = "HS256" | "ES256" | "EdDSA";

/** A JWK of JWT_PRIVATE_KEYS: EC P-256 (ES256) or OKP Ed25519 (EdDSA). `d` may be absent except on the first (signing) key. */
export interface PrivateJwk {
  kty: "EC" | "OKP";
  crv: "P-256" | "Ed25519";
  x: string;
  y?: string;
  d?: string;
  kid: string;
}

const CURVES = { ES256: { kty: "EC", crv: "P-256" }, EdDSA: { kty: "OKP", crv: "Ed25519" } } as const;
// Every coordinate and private scalar of both curves is 32 bytes: 43 unpadded base64url characters.
const COORDINATE = /^[A-Za-z0-9_-]{43}$/;
const KID = /^[\x21-\x7e]{1,128}$/;

/** One entry of JWT_PRIVATE_KEYS; `where` names it in messages. */
function parseJwk(value: unknown, algorithm: "ES256" | "EdDSA", where: string, signing: boolean): PrivateJwk {
  const fail = (why: string) => new ConfigError(`JWT_PRIVATE_KEYS: ${where} ${why}`);
  if (!value || typeof value !== "object" || Array.isArray(value)) throw fail("is not a JWK object");
  const jwk = value as Record<string, unknown>;
  const { kty, crv } = CURVES[algorithm];
  if (jwk.kty !== kty || jwk.crv !== crv) throw fail(`must be kty "${kty}", crv "${crv}" for JWT_ALGORITHM=${algorithm}`);
  if (jwk.alg !== undefined && jwk.alg !== algorithm) throw fail(`has alg "${String(jwk.alg)}", not ${algorithm}`);
  if (typeof jwk.kid !== "string" || !KID.test(jwk.kid)) throw fail("needs a kid (1 to 128 printable characters)");
  const coordinates = algorithm === "ES256" ? ["x", "y"] : ["x"];
  for (const name of coordinates) {
    if (typeof jwk[name] !== "string" || !COORDINATE.test(jwk[name] as string)) throw fail(`needs "${name}" (32 bytes, base64url)`);
  }
  if (jwk.d !== undefined || signing) {
    // Older keys only verify: their private part may be dropped, the signing key's may not.
    if (typeof jwk.d !== "string" || !COORDINATE.test(jwk.d)) throw fail(`needs the private part "d" (32 bytes, base64url)${signing ? ": the first key signs" : ""}`);
  }
  return {
    kty,
    crv,
    x: jwk.x as string,
    ...(algorithm === "ES256" ? { y: jwk.y as string } : {}),
    ...(typeof jwk.d === "string" ? { d: jwk.d } : {}),
    kid: jwk.kid,
  };
}

/** JWT_ALGORITHM and, for ES256/EdDSA, JWT_PRIVATE_KEYS (required then; ignored under HS256). */
export function parseSigningKeys(env: Bindings): { jwtAlgorithm: JwtAlgorithm; jwtPrivateKeys: readonly PrivateJwk[] } {
  const algorithm = readString(env, "JWT_ALGORITHM") || "HS256";
  if (algorithm !== "HS256" && algorithm !== "ES256" && algorithm !== "EdDSA") {
    throw new ConfigError(`JWT_ALGORITHM: must be one of HS256, ES256, EdDSA (got "${algorithm}")`);
  }
  if (algorithm === "HS256") return { jwtAlgorithm: algorithm, jwtPrivateKeys: Object.freeze([]) };
  const raw = readString(env, "JWT_PRIVATE_KEYS");
  if (!raw) throw new ConfigError(`JWT_PRIVATE_KEYS: required with JWT_ALGORITHM=${algorithm} (npm run keys:generate -- ${algorithm})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError("JWT_PRIVATE_KEYS: must be a JSON array of JWKs, newest first");
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError("JWT_PRIVATE_KEYS: must be a non-empty JSON array of JWKs, newest first");
  const keys = parsed.map((value, i) => parseJwk(value, algorithm, `key ${i + 1}`, i === 0));
  const kids = new Set(keys.map((key) => key.kid));
  if (kids.size !== keys.length) throw new ConfigError("JWT_PRIVATE_KEYS: two keys have the same kid");
  // Frozen: the imported CryptoKeys are cached per isolate under this array's identity.
  return { jwtAlgorithm: algorithm, jwtPrivateKeys: Object.freeze(keys) };
}

/**
 * MFA_ENCRYPTION_KEYS: strings, newest first (JSON array or comma list), that the TOTP secrets are
 * encrypted under (the first) and decrypted with (the one a row names). Null when unset: MFA then
 * answers 500 naming the setting when it needs a key, and never skips the second factor.
 * Production refuses development (`dev-insecure-`) and short (< 32 characters) keys at startup.
 */
export function parseMfaKeys(env: Bindings, production: boolean): readonly string[] | null {
  const raw = readString(env, "MFA_ENCRYPTION_KEYS");
  if (!raw) return null;
  let keys: unknown = raw.split(",").map((key) => key.trim());
  if (raw.trim().startsWith("[")) {
    try {
      keys = JSON.parse(raw);
    } catch {
      keys = null;
    }
  }
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((key) => typeof key === "string" && key.length > 0)) {
    throw new ConfigError("MFA_ENCRYPTION_KEYS: must be a JSON array (or comma-separated list) of non-empty strings, newest first");
  }
  if (production && keys.some((key: string) => key.startsWith(DEV_SECRET_PREFIX) || key.length < 32)) {
    throw new ConfigError("MFA_ENCRYPTION_KEYS: production refuses a development or short (< 32 chars) key");
  }
  return Object.freeze(keys as string[]);
}

const PEPPER_ENTRY = /^([1-9][0-9]{0,8}):([A-Za-z0-9+/_-]+)={0,2}$/;
/** 256 bits: the pepper must be beyond guessing even by someone holding every hash made with it. */
const PEPPER_MIN_BYTES = 32;

/**
 * PASSWORD_PEPPERS: `id:base64secret` entries, comma-separated, newest first (`2:…,1:…`). The first
 * peppers every new hash; each verifies the hashes that name its id, which are re-made under the first
 * at their next successful login. Unset (the default): no pepper, plain Django hashes.
 */
export function parsePasswordPeppers(env: Bindings): readonly PasswordPepper[] {
  const raw = readString(env, "PASSWORD_PEPPERS");
  if (!raw || !raw.trim()) return Object.freeze([]);
  const fail = (why: string) => new ConfigError(`PASSWORD_PEPPERS: ${why}`);
  const peppers = raw.split(",").map((entry, i) => {
    const match = PEPPER_ENTRY.exec(entry.trim());
    if (!match) throw fail(`entry ${i + 1} must be "<version>:<base64 secret>", e.g. 2:$(openssl rand -base64 32)`);
    let secret: Uint8Array;
    try {
      secret = decodeBase64Url(match[2]!.replaceAll("+", "-").replaceAll("/", "_"));
    } catch {
      throw fail(`entry ${i + 1}: the secret is not valid base64`);
    }
    if (secret.length < PEPPER_MIN_BYTES) throw fail(`entry ${i + 1}: the secret must be at least ${PEPPER_MIN_BYTES} random bytes`);
    return { id: Number(match[1]), secret };
  });
  if (new Set(peppers.map((pepper) => pepper.id)).size !== peppers.length) throw fail("two entries have the same version");
  // Frozen: the imported HMAC keys are cached per isolate under each secret's identity.
  return Object.freeze(peppers);
}
