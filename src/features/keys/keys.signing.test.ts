// ES256 and EdDSA tokens (contract §2.8): kid in the header, the JWKS, verification by another service through it, pinning.
import { env } from "cloudflare:test";
import { base64url, SignJWT, generateKeyPair } from "jose";
import { describe, expect, it, vi } from "vitest";
import { ES256_A, ES256_B, EDDSA_A, EDDSA_B } from "../../../test/keys";
import { call, jwtPayload, loggedIn, registerVerified } from "../../../test/helpers";
import { jwtHeader, keyEnv, remoteVerifier } from "./keys.fixtures";

const NOT_FOUND = { detail: "Not found." };

for (const [alg, first, second] of [
  ["ES256", ES256_A, ES256_B],
  ["EdDSA", EDDSA_A, EDDSA_B],
] as const) {
  describe(`JWT_ALGORITHM=${alg}`, () => {
    const vars = keyEnv(alg, first, second);

    it("signs access and refresh tokens with the first key, its kid in the header; the API accepts them", async () => {
      const me = await loggedIn("keys", vars);
      for (const token of [me.access, me.refresh]) expect(jwtHeader(token)).toEqual({ alg, typ: "JWT", kid: first.kid });
      expect((await call("GET", "/auth/user/", { token: me.access, env: vars })).status).toBe(200);
      expect((await call("POST", "/auth/token/verify/", { body: { token: me.access }, env: vars })).status).toBe(200);
      const refreshed = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, env: vars });
      expect(refreshed.status).toBe(200);
      expect(jwtHeader(refreshed.body.refresh)).toEqual({ alg, typ: "JWT", kid: first.kid });
      expect((await call("GET", "/auth/user/", { token: refreshed.body.access, env: vars })).status).toBe(200);
    });

    it("serves every public key at .well-known/jwks.json, cacheable for 5 minutes, with no private part", async () => {
      const response = await call("GET", "/auth/.well-known/jwks.json", { env: vars });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=300");
      expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
      const expected = [first, second].map(({ d: _, ...publicHalf }) => ({ ...publicHalf, alg, use: "sig" }));
      expect(response.body).toEqual({ keys: expected });
      for (const key of [first, second]) expect(response.text).not.toContain(key.d);
      expect(response.text).not.toContain('"d"');
      const head = await call("HEAD", "/auth/.well-known/jwks.json", { env: vars });
      expect(head.status).toBe(200);
      expect(head.headers.get("cache-control")).toBe("public, max-age=300");
    });

    it("another service verifies our access tokens with jose's createRemoteJWKSet, without calling anything else", async () => {
      const me = await loggedIn("keys", vars);
      const { payload, protectedHeader } = await remoteVerifier(vars)(me.access, alg);
      expect(protectedHeader.kid).toBe(first.kid);
      expect(payload).toMatchObject({ token_type: "access", user_id: String(me.pk) });
      // Our tokens carry no audience or issuer: a verifier that demands one must not be satisfied by accident.
      await expect(remoteVerifier(vars)(me.access, alg === "ES256" ? "EdDSA" : "ES256")).rejects.toThrow();
    });

    it("a revoked session's access token still verifies elsewhere until it expires (no session check there)", async () => {
      const me = await loggedIn("keys", vars);
      await call("POST", "/auth/logout/", { body: { refresh: me.refresh }, env: vars });
      expect((await call("GET", "/auth/user/", { token: me.access, env: vars })).status).toBe(401);
      await expect(remoteVerifier(vars)(me.access, alg)).resolves.toBeTruthy();
    });

    it("refuses an HS256 token made with JWT_SIGNING_KEY, alg none, an unknown kid and a foreign key under a known kid", async () => {
      const me = await loggedIn("keys", vars);
      const claims = jwtPayload(me.access);
      const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode(env.JWT_SIGNING_KEY as string));
      const none = `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${me.access.split(".")[1]}.`;
      const { privateKey } = await generateKeyPair(alg, alg === "EdDSA" ? { crv: "Ed25519" } : {});
      const foreign = (kid: string) => new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT", kid }).sign(privateKey);
      const noKid = await new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT" }).sign(privateKey);
      for (const token of [hs256, none, await foreign("someone-else"), await foreign(first.kid), noKid]) {
        expect((await call("GET", "/auth/user/", { token, env: vars })).status).toBe(401);
        expect((await call("POST", "/auth/token/verify/", { body: { token }, env: vars })).status).toBe(401);
      }
    });

    it("an overlapping refresh within the reuse interval gets the current refresh token's claims, and it works", async () => {
      const me = await loggedIn("keys", vars);
      const winner = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, env: vars });
      const late = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, env: vars });
      expect(late.status).toBe(200);
      expect(jwtPayload(late.body.refresh)).toEqual(jwtPayload(winner.body.refresh));
      // EdDSA is deterministic, ECDSA is not: the same claims, and under EdDSA the same bytes.
      if (alg === "EdDSA") expect(late.body.refresh).toBe(winner.body.refresh);
      expect((await call("POST", "/auth/token/refresh/", { body: { refresh: late.body.refresh }, env: vars })).status).toBe(200);
    });
  });
}

describe("JWT_ALGORITHM=HS256 (the default)", () => {
  it("has no JWKS: 404, and tokens keep the plain HS256 header", async () => {
    const response = await call("GET", "/auth/.well-known/jwks.json");
    expect(response.status).toBe(404);
    expect(response.body).toEqual(NOT_FOUND);
    const me = await loggedIn("keys");
    expect(jwtHeader(me.access)).toEqual({ alg: "HS256", typ: "JWT" });
  });

  it("ignores JWT_PRIVATE_KEYS; switching the algorithm ends sessions of the other one", async () => {
    const me = await loggedIn("keys", { JWT_PRIVATE_KEYS: JSON.stringify([ES256_A]) });
    expect(jwtHeader(me.access)).toEqual({ alg: "HS256", typ: "JWT" });
    const es256 = keyEnv("ES256", ES256_A);
    expect((await call("GET", "/auth/user/", { token: me.access, env: es256 })).status).toBe(401);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, env: es256 })).status).toBe(401);
  });
});

describe("a broken key", () => {
  for (const [alg, key, other] of [
    ["ES256", ES256_A, ES256_B],
    ["EdDSA", EDDSA_A, EDDSA_B],
  ] as const) {
    it(`${alg}: a public part that does not fit the private part answers 500 naming JWT_PRIVATE_KEYS and the kid`, async () => {
      const vars = keyEnv(alg, { ...key, x: other.x, ...("y" in other ? { y: other.y } : {}) });
      // Registration does not sign when verification is mandatory; login does.
      const me = await registerVerified("keys", vars);
      const logged = vi.spyOn(console, "error").mockImplementation(() => {});
      const response = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env: vars });
      expect(response.status).toBe(500);
      expect(response.body.detail.startsWith(`Server misconfigured: JWT_PRIVATE_KEYS: key ${key.kid}`)).toBe(true);
      expect(response.text).not.toContain(key.d);
      expect(logged).toHaveBeenCalledWith(expect.stringContaining("JWT_PRIVATE_KEYS"));
    });
  }
});
