// The key settings (contract §3): JWT_ALGORITHM with JWT_PRIVATE_KEYS, MFA_ENCRYPTION_KEYS, MFA_ISSUER.
// Every refusal names the setting and never quotes a secret.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Bindings, ConfigError, parseConfig } from "../src/config";
import { EDDSA_A, ES256_A, ES256_B } from "./keys";

const minimalEnv = (vars: Record<string, unknown> = {}): Bindings => ({
  DB: env.DB,
  TOKENS_KV: env.TOKENS_KV,
  THROTTLE: env.THROTTLE,
  USER_RATE_LIMITER: env.USER_RATE_LIMITER,
  JWT_SIGNING_KEY: "k".repeat(32),
  PUBLIC_BASE_URL: "https://api.example.com",
  ...vars,
});
const productionEnv = (vars: Record<string, unknown> = {}) => minimalEnv({ ENVIRONMENT: "production", MAIL_API_KEY: "re_live", ...vars });

function refusal(vars: Bindings): string {
  try {
    parseConfig(vars);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("parsed without error");
}

const keys = (...list: unknown[]) => ({ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: JSON.stringify(list) });

describe("JWT_ALGORITHM and JWT_PRIVATE_KEYS", () => {
  it("default HS256 with no keys; ES256 and EdDSA with theirs, in order", () => {
    expect(parseConfig(minimalEnv())).toMatchObject({ jwtAlgorithm: "HS256", jwtPrivateKeys: [] });
    const es = parseConfig(minimalEnv(keys(ES256_A, ES256_B)));
    expect(es.jwtAlgorithm).toBe("ES256");
    expect(es.jwtPrivateKeys.map((key) => key.kid)).toEqual([ES256_A.kid, ES256_B.kid]);
    const ed = parseConfig(minimalEnv({ JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEYS: JSON.stringify([EDDSA_A]) }));
    expect(ed.jwtPrivateKeys[0]).toEqual({ kty: "OKP", crv: "Ed25519", x: EDDSA_A.x, d: EDDSA_A.d, kid: EDDSA_A.kid });
  });

  it("refuses other algorithms, missing or malformed key lists, and keys of the wrong kind", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ JWT_ALGORITHM: "RS256" }, /^JWT_ALGORITHM: must be one of HS256, ES256, EdDSA/],
      [{ JWT_ALGORITHM: "none" }, /^JWT_ALGORITHM\b/],
      [{ JWT_ALGORITHM: "ES256" }, /^JWT_PRIVATE_KEYS: required with JWT_ALGORITHM=ES256/],
      [{ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: "{not json" }, /^JWT_PRIVATE_KEYS: must be a JSON array/],
      [{ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: "[]" }, /^JWT_PRIVATE_KEYS: must be a non-empty JSON array/],
      [{ JWT_ALGORITHM: "ES256", JWT_PRIVATE_KEYS: JSON.stringify(ES256_A) }, /^JWT_PRIVATE_KEYS: must be a non-empty JSON array/],
      [{ JWT_ALGORITHM: "EdDSA", JWT_PRIVATE_KEYS: JSON.stringify([ES256_A]) }, /^JWT_PRIVATE_KEYS: key 1 must be kty "OKP", crv "Ed25519"/],
      [keys(EDDSA_A), /^JWT_PRIVATE_KEYS: key 1 must be kty "EC", crv "P-256"/],
      [keys({ ...ES256_A, alg: "ES384" }), /^JWT_PRIVATE_KEYS: key 1 has alg "ES384"/],
      [keys({ ...ES256_A, kid: "" }), /^JWT_PRIVATE_KEYS: key 1 needs a kid/],
      [keys({ ...ES256_A, y: "short" }), /^JWT_PRIVATE_KEYS: key 1 needs "y"/],
      [keys({ ...ES256_A, d: undefined }), /^JWT_PRIVATE_KEYS: key 1 needs the private part "d" .*the first key signs/],
      [keys(ES256_A, { ...ES256_B, d: "x" }), /^JWT_PRIVATE_KEYS: key 2 needs the private part "d"/],
      [keys(ES256_A, { ...ES256_B, kid: ES256_A.kid }), /^JWT_PRIVATE_KEYS: two keys have the same kid/],
    ];
    for (const [vars, message] of cases) {
      const text = refusal(minimalEnv(vars));
      expect(text, JSON.stringify(vars).slice(0, 80)).toMatch(message);
      expect(text).not.toContain(ES256_A.d);
    }
  });

  it("accepts verify-only keys (no d) after the first", () => {
    const { d: _, ...publicB } = ES256_B;
    const config = parseConfig(minimalEnv(keys(ES256_A, publicB)));
    expect(config.jwtPrivateKeys[1]).not.toHaveProperty("d");
  });
});

describe("MFA_ENCRYPTION_KEYS", () => {
  const strong = "m".repeat(32);
  it("is null when unset; a JSON array or a comma list, newest first", () => {
    expect(parseConfig(minimalEnv()).mfaEncryptionKeys).toBeNull();
    expect(parseConfig(minimalEnv({ MFA_ENCRYPTION_KEYS: JSON.stringify(["new", "old"]) })).mfaEncryptionKeys).toEqual(["new", "old"]);
    expect(parseConfig(minimalEnv({ MFA_ENCRYPTION_KEYS: "new, old" })).mfaEncryptionKeys).toEqual(["new", "old"]);
  });

  it("refuses empty entries and non-strings", () => {
    for (const value of ["[]", "[1]", '["a",""]', "a,,b", "[oops"]) {
      expect(refusal(minimalEnv({ MFA_ENCRYPTION_KEYS: value })), value).toMatch(/^MFA_ENCRYPTION_KEYS: must be/);
    }
  });

  it("production refuses development and short keys, without quoting them", () => {
    for (const weak of [`dev-insecure-${"a".repeat(40)}`, "s".repeat(31)]) {
      const text = refusal(productionEnv({ MFA_ENCRYPTION_KEYS: JSON.stringify([strong, weak]) }));
      expect(text).toMatch(/^MFA_ENCRYPTION_KEYS: production refuses/);
      expect(text).not.toContain(weak);
    }
    expect(parseConfig(productionEnv({ MFA_ENCRYPTION_KEYS: strong })).mfaEncryptionKeys).toEqual([strong]);
    // Outside production the short development key of the test env is fine; unset is fine everywhere.
    expect(parseConfig(productionEnv()).mfaEncryptionKeys).toBeNull();
  });
});

describe("MFA_ISSUER", () => {
  it("defaults to edge-rest-auth and refuses a colon (the otpauth label's separator)", () => {
    expect(parseConfig(minimalEnv()).mfaIssuer).toBe("edge-rest-auth");
    expect(parseConfig(minimalEnv({ MFA_ISSUER: "Example Co" })).mfaIssuer).toBe("Example Co");
    expect(refusal(minimalEnv({ MFA_ISSUER: "a:b" }))).toMatch(/^MFA_ISSUER\b/);
  });
});
