// Key rotation (README, "Signing keys and JWKS"): publish, switch, remove. A token verifies, here and
// through the JWKS, exactly as long as the key that signed it is configured.
import { describe, expect, it } from "vitest";
import { ES256_A, ES256_B, EDDSA_A, EDDSA_B } from "../../../test/keys";
import { call, loggedIn } from "../../../test/helpers";
import { jwtHeader, keyEnv, remoteVerifier } from "./keys.fixtures";

const publicOnly = ({ d: _, ...rest }: Record<string, string>) => rest;

for (const [alg, oldKey, newKey] of [
  ["ES256", ES256_A, ES256_B],
  ["EdDSA", EDDSA_A, EDDSA_B],
] as const) {
  describe(`rotating ${alg} keys`, () => {
    const before = keyEnv(alg, oldKey);
    const published = keyEnv(alg, oldKey, newKey);
    const switched = keyEnv(alg, newKey, oldKey);
    const removed = keyEnv(alg, newKey);
    const kids = async (env: Record<string, string>) => (await call("GET", "/auth/.well-known/jwks.json", { env })).body.keys.map((k: { kid: string }) => k.kid);

    it("add, wait, switch, remove: old tokens verify until their key is removed, then fail everywhere", async () => {
      const me = await loggedIn("rotate", before);
      expect(jwtHeader(me.access).kid).toBe(oldKey.kid);

      // 1. Published second: in the JWKS, but the old key still signs.
      expect(await kids(published)).toEqual([oldKey.kid, newKey.kid]);
      const stillOld = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env: published });
      expect(jwtHeader(stillOld.body.access).kid).toBe(oldKey.kid);

      // 2. Switched: new tokens carry the new kid; the old key's tokens still work here and elsewhere.
      const fresh = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, env: switched });
      expect(jwtHeader(fresh.body.access).kid).toBe(newKey.kid);
      expect((await call("GET", "/auth/user/", { token: me.access, env: switched })).status).toBe(200);
      await expect(remoteVerifier(switched)(me.access, alg)).resolves.toBeTruthy();
      // Rotating an old-key refresh token hands out new-key tokens.
      const refreshed = await call("POST", "/auth/token/refresh/", { body: { refresh: stillOld.body.refresh }, env: switched });
      expect(refreshed.status).toBe(200);
      expect(jwtHeader(refreshed.body.refresh).kid).toBe(newKey.kid);

      // 3. Removed: the old key's tokens fail here and through the JWKS; the new ones live on.
      expect(await kids(removed)).toEqual([newKey.kid]);
      expect((await call("GET", "/auth/user/", { token: me.access, env: removed })).status).toBe(401);
      expect((await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, env: removed })).status).toBe(401);
      await expect(remoteVerifier(removed)(me.access, alg)).rejects.toThrow();
      expect((await call("GET", "/auth/user/", { token: fresh.body.access, env: removed })).status).toBe(200);
      await expect(remoteVerifier(removed)(fresh.body.access, alg)).resolves.toBeTruthy();
    });

    it("a retired key may stay without its private part: it only verifies", async () => {
      const me = await loggedIn("rotate", before);
      const vars = keyEnv(alg, newKey, publicOnly(oldKey));
      expect((await call("GET", "/auth/user/", { token: me.access, env: vars })).status).toBe(200);
      const jwks = await call("GET", "/auth/.well-known/jwks.json", { env: vars });
      expect(jwks.body.keys.map((k: { kid: string }) => k.kid)).toEqual([newKey.kid, oldKey.kid]);
    });
  });
}
