// ES256/EdDSA signing keys (contract §2.8): imported once per isolate, the public ones published as a JWKS.
import type { Config, PrivateJwk } from "../config";
import { ConfigError } from "../config-values";

export interface AsymmetricKeys {
  /** The first key of JWT_PRIVATE_KEYS: every new token is signed with it. */
  signing: { kid: string; key: CryptoKey };
  /** Every configured key's public half by kid: tokens verify under any of them until it is removed. */
  verifying: ReadonlyMap<string, CryptoKey>;
}

/** A JWKS entry: the public half only, never `d`. */
export interface PublicJwk {
  kty: string;
  crv: string;
  x: string;
  y?: string;
  kid: string;
  alg: string;
  use: "sig";
}

function publicHalf(jwk: PrivateJwk, alg: string): PublicJwk {
  // Built field by field rather than by deleting `d`: nothing else from the setting can leak through.
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.y ? { y: jwk.y } : {}), kid: jwk.kid, alg, use: "sig" };
}

const imported = new WeakMap<readonly PrivateJwk[], Promise<AsymmetricKeys>>();

/** One JWK through WebCrypto (not jose's importJWK, whose JWK layer would weigh on the bundle). */
function importJwk(jwk: PrivateJwk, alg: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  const { kty, crv, x, y, d } = jwk;
  const params = alg === "ES256" ? { name: "ECDSA", namedCurve: "P-256" } : { name: "Ed25519" };
  const data: JsonWebKey = { kty, crv, x, ...(y ? { y } : {}), ...(usage === "sign" ? { d } : {}) };
  // WebCrypto refuses some bad keys itself: a point off the curve, or (P-256) x/y that do not fit d.
  return crypto.subtle.importKey("jwk", data, params, false, [usage]).catch(() => {
    throw new ConfigError(`JWT_PRIVATE_KEYS: key ${jwk.kid} is not a valid ${alg} key`);
  });
}

async function importKeys(keys: readonly PrivateJwk[], alg: string): Promise<AsymmetricKeys> {
  const first = keys[0]!;
  const [signing, ...publicKeys] = await Promise.all([importJwk(first, alg, "sign"), ...keys.map((jwk) => importJwk(jwk, alg, "verify"))]);
  // The JWKS publishes x/y as configured: a typo there would publish a key that verifies nothing we sign.
  const probe = new TextEncoder().encode("edge-rest-auth key probe");
  const params = alg === "ES256" ? { name: "ECDSA", hash: "SHA-256" } : { name: "Ed25519" };
  const signature = await crypto.subtle.sign(params, signing!, probe);
  if (!(await crypto.subtle.verify(params, publicKeys[0]!, signature, probe))) {
    throw new ConfigError(`JWT_PRIVATE_KEYS: key ${first.kid}: its public part (x${alg === "ES256" ? ", y" : ""}) does not match its private part (d)`);
  }
  return { signing: { kid: first.kid, key: signing! }, verifying: new Map(keys.map((jwk, i) => [jwk.kid, publicKeys[i]!])) };
}

/** The imported keys of an ES256/EdDSA config, once per isolate (as importHmacKey does for HS256). */
export function asymmetricKeys(config: Config): Promise<AsymmetricKeys> {
  let keys = imported.get(config.jwtPrivateKeys);
  if (!keys) {
    keys = importKeys(config.jwtPrivateKeys, config.jwtAlgorithm);
    imported.set(config.jwtPrivateKeys, keys);
  }
  return keys;
}

/** The JWKS document: every configured key's public half (none under HS256). */
export function publicJwks(config: Config): { keys: PublicJwk[] } {
  return { keys: config.jwtPrivateKeys.map((jwk) => publicHalf(jwk, config.jwtAlgorithm)) };
}
