// token/refresh/ (alias refresh/): response shapes, token claims, sliding rotation and every way a refresh is refused.
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { call, clock, jwtPayload, loggedIn } from "../../../test/helpers";

const HEX32 = /^[0-9a-f]{32}$/;
const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };
const SIGNING_KEY = new TextEncoder().encode(env.JWT_SIGNING_KEY as string);

const nowSeconds = () => Math.floor(clock.now() / 1000);
/** DRF DateTimeField rendering of a Unix-seconds instant. */
const drfDate = (seconds: number) => new Date(seconds * 1000).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
const jwtHeader = (token: string) => JSON.parse(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")));

function refresh(token: unknown, options: { path?: string; env?: Record<string, string> } = {}) {
  return call("POST", options.path ?? "/auth/token/refresh/", { body: token === undefined ? {} : { refresh: token }, env: options.env });
}

describe("token/refresh/ response", () => {
  it("returns a new pair with expirations equal to the tokens' exp (current style)", async () => {
    const me = await loggedIn("rot");
    const response = await refresh(me.refresh);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(Object.keys(response.body)).toEqual(["access", "access_expiration", "refresh", "refresh_expiration"]);
    expect(response.body.refresh).not.toBe(me.refresh);
    expect(response.body.access).not.toBe(me.access);
    expect(response.body.access_expiration).toBe(drfDate(jwtPayload(response.body.access).exp));
    expect(response.body.refresh_expiration).toBe(drfDate(jwtPayload(response.body.refresh).exp));
    expect(response.body.access_expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/);
  });

  it("is served identically at refresh/ and without the trailing slash", async () => {
    const me = await loggedIn("rot");
    const alias = await refresh(me.refresh, { path: "/auth/refresh/" });
    expect(alias.status).toBe(200);
    expect(Object.keys(alias.body)).toEqual(["access", "access_expiration", "refresh", "refresh_expiration"]);
    const slashless = await refresh(alias.body.refresh, { path: "/auth/refresh" });
    expect(slashless.status).toBe(200);
    const canonicalSlashless = await refresh(slashless.body.refresh, { path: "/auth/token/refresh" });
    expect(canonicalSlashless.status).toBe(200);
  });

  it("keeps simplejwt's access/refresh keys with *_token_expiration in legacy style", async () => {
    const me = await loggedIn("rot");
    const response = await refresh(me.refresh, { env: { JWT_RESPONSE_FIELD_STYLE: "legacy" } });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(["access", "access_token_expiration", "refresh", "refresh_token_expiration"]);
    expect(response.body.access_token_expiration).toBe(drfDate(jwtPayload(response.body.access).exp));
    expect(response.body.refresh_token_expiration).toBe(drfDate(jwtPayload(response.body.refresh).exp));
  });

  it("accepts form-encoded bodies", async () => {
    const me = await loggedIn("rot");
    const response = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, as: "form" });
    expect(response.status).toBe(200);
  });
});

describe("token claims", () => {
  it("carry token_type, exp, iat, jti, user_id (string) and fam, signed HS256, no PII", async () => {
    const me = await loggedIn("rot");
    const issuedAt = nowSeconds();
    const response = await refresh(me.refresh);
    const access = jwtPayload(response.body.access);
    const rotated = jwtPayload(response.body.refresh);
    for (const token of [response.body.access, response.body.refresh]) {
      expect(jwtHeader(token)).toEqual({ alg: "HS256", typ: "JWT" });
      expect(Object.keys(jwtPayload(token)).sort()).toEqual(["exp", "fam", "iat", "jti", "token_type", "user_id"]);
    }
    expect(access).toMatchObject({ token_type: "access", user_id: String(me.pk), iat: issuedAt, exp: issuedAt + 300 });
    expect(rotated).toMatchObject({ token_type: "refresh", user_id: String(me.pk), iat: issuedAt, exp: issuedAt + 86400 });
    expect(access.jti).toMatch(HEX32);
    expect(rotated.jti).toMatch(HEX32);
    expect(access.jti).not.toBe(rotated.jti);
    expect(rotated.jti).not.toBe(jwtPayload(me.refresh).jti);
  });

  it("keep the login's family id through every rotation", async () => {
    const me = await loggedIn("rot");
    const family = jwtPayload(me.refresh).fam;
    expect(family).toMatch(HEX32);
    expect(jwtPayload(me.access).fam).toBe(family);
    let token = me.refresh;
    for (let i = 0; i < 3; i++) {
      const response = await refresh(token);
      expect(response.status).toBe(200);
      expect(jwtPayload(response.body.refresh).fam).toBe(family);
      expect(jwtPayload(response.body.access).fam).toBe(family);
      token = response.body.refresh;
    }
  });

  it("use a different family for every login", async () => {
    const me = await loggedIn("rot");
    const again = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    expect(jwtPayload(again.body.refresh).fam).not.toBe(jwtPayload(me.refresh).fam);
  });
});

describe("sliding lifetime", () => {
  it("gives every rotated refresh token a full new lifetime, so an active session outlives the first token", async () => {
    const me = await loggedIn("rot");
    const firstExp = jwtPayload(me.refresh).exp;
    clock.advance(20 * 3600);
    const first = await refresh(me.refresh);
    expect(first.status).toBe(200);
    expect(jwtPayload(first.body.refresh).exp).toBe(nowSeconds() + 86400);
    clock.advance(20 * 3600);
    expect(nowSeconds()).toBeGreaterThan(firstExp);
    const second = await refresh(first.body.refresh);
    expect(second.status).toBe(200);
    const user = await call("GET", "/auth/user/", { token: second.body.access });
    expect(user.status).toBe(200);
    expect(user.body.pk).toBe(me.pk);
  });

  it("moves the family's last use and expiry forward in D1", async () => {
    const me = await loggedIn("rot");
    clock.advance(600);
    const response = await refresh(me.refresh);
    const row = await env.DB.prepare("select * from token_families where id = ?").bind(jwtPayload(me.refresh).fam).first<Record<string, any>>();
    expect(row).toMatchObject({ last_used_at: clock.now(), current_jti: jwtPayload(response.body.refresh).jti, revoked_at: null });
    expect(row!.expires_at).toBe(jwtPayload(response.body.refresh).exp * 1000);
  });

  it("the new refresh token works and the new access token authenticates", async () => {
    const me = await loggedIn("rot");
    const first = await refresh(me.refresh);
    expect((await call("GET", "/auth/user/", { token: first.body.access })).status).toBe(200);
    expect((await refresh(first.body.refresh)).status).toBe(200);
  });
});

describe("refused refresh tokens", () => {
  it("401 'No valid refresh token found.' when no token is sent (absent or blank)", async () => {
    for (const body of [{}, { refresh: "" }]) {
      const response = await call("POST", "/auth/token/refresh/", { body });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ detail: "No valid refresh token found.", code: "token_not_valid" });
    }
    const empty = await call("POST", "/auth/refresh/");
    expect(empty.body).toEqual({ detail: "No valid refresh token found.", code: "token_not_valid" });
  });

  it("400 when refresh is not a string", async () => {
    const response = await refresh({ nested: true });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ refresh: ["Not a valid string."] });
  });

  it("401 once the refresh token has expired (exp is exclusive, like simplejwt)", async () => {
    const a = await loggedIn("rot");
    const b = await loggedIn("rot");
    clock.advance(86399);
    expect((await refresh(a.refresh)).status).toBe(200);
    clock.advance(1);
    const expired = await refresh(b.refresh);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(INVALID);
  });

  it("401 after more than a day without use", async () => {
    const me = await loggedIn("rot");
    clock.advance(86401);
    expect((await refresh(me.refresh)).body).toEqual(INVALID);
  });

  it("honours JWT_LEEWAY for clock skew", async () => {
    const me = await loggedIn("rot");
    clock.advance(86400 + 10);
    const response = await refresh(me.refresh, { env: { JWT_LEEWAY: "30" } });
    expect(response.status).toBe(200);
  });

  it("401 for a token signed with another key", async () => {
    const me = await loggedIn("rot");
    const claims = jwtPayload(me.refresh);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode("another-key-0123456789abcdef0123456789"));
    const response = await refresh(forged);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(INVALID);
    // The genuine token is untouched by the forgery attempt.
    expect((await refresh(me.refresh)).status).toBe(200);
  });

  it("401 for a tampered payload under the original signature", async () => {
    const me = await loggedIn("rot");
    const other = await loggedIn("rot");
    const [header, , signature] = me.refresh.split(".");
    const tampered = `${header}.${b64url({ ...jwtPayload(me.refresh), user_id: String(other.pk) })}.${signature}`;
    expect((await refresh(tampered)).body).toEqual(INVALID);
  });

  it("401 for alg=none and for another HMAC algorithm with the right key", async () => {
    const me = await loggedIn("rot");
    const claims = jwtPayload(me.refresh);
    const unsigned = `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`;
    expect((await refresh(unsigned)).body).toEqual(INVALID);
    const hs512 = await new SignJWT(claims).setProtectedHeader({ alg: "HS512", typ: "JWT" }).sign(SIGNING_KEY);
    expect((await refresh(hs512)).body).toEqual(INVALID);
  });

  it("401 for a correctly signed token with malformed claims", async () => {
    const me = await loggedIn("rot");
    const claims = jwtPayload(me.refresh);
    const sign = (payload: Record<string, unknown>) => new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(SIGNING_KEY);
    for (const payload of [
      { ...claims, user_id: me.pk },
      { ...claims, jti: "short" },
      { ...claims, fam: undefined },
      { ...claims, token_type: "bogus" },
    ]) {
      expect((await refresh(await sign(payload))).body).toEqual(INVALID);
    }
  });

  it("401 for garbage", async () => {
    for (const token of ["garbage", "a.b.c", "x".repeat(5000), 12345]) {
      expect((await refresh(token)).body).toEqual(INVALID);
    }
  });

  it("401 for an access token sent as refresh, without harming the session", async () => {
    const me = await loggedIn("rot");
    const response = await refresh(me.access);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(INVALID);
    expect((await refresh(me.refresh)).status).toBe(200);
  });
});

describe("public endpoint", () => {
  it("ignores the Authorization header entirely (stale, garbage or malformed)", async () => {
    const me = await loggedIn("rot");
    let token = me.refresh;
    for (const authorization of ["Bearer garbage", "Bearer a b", `Bearer ${me.refresh}`]) {
      const response = await call("POST", "/auth/token/refresh/", { body: { refresh: token }, headers: { authorization } });
      expect(response.status).toBe(200);
      token = response.body.refresh;
    }
  });

  it("a refresh token does not authenticate as a bearer", async () => {
    const me = await loggedIn("rot");
    const response = await call("GET", "/auth/user/", { token: me.refresh });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe("token_not_valid");
  });
});

describe("SESSION_LIFETIME", () => {
  const capped = { SESSION_LIFETIME: "7200" };

  it("caps the family's absolute age: session_expired, then the family is revoked", async () => {
    const me = await loggedIn("rot");
    clock.advance(3600);
    const early = await refresh(me.refresh, { env: capped });
    expect(early.status).toBe(200);
    clock.advance(3600);
    const late = await refresh(early.body.refresh, { env: capped });
    expect(late.status).toBe(401);
    expect(late.body).toEqual({ detail: "Session reached its maximum lifetime. Please log in again", code: "session_expired" });
    // The family is gone: the same token (and the family's access token) no longer work, whatever the setting.
    expect((await refresh(early.body.refresh)).body).toEqual(INVALID);
    expect((await call("GET", "/auth/user/", { token: early.body.access })).status).toBe(401);
  });

  it("is unlimited by default", async () => {
    const me = await loggedIn("rot");
    let token = me.refresh;
    for (let day = 0; day < 3; day++) {
      clock.advance(20 * 3600);
      const response = await refresh(token);
      expect(response.status).toBe(200);
      token = response.body.refresh;
    }
  });
});

describe("accounts that can no longer log in", () => {
  const NO_ACCOUNT = { detail: "No active account found for the given token.", code: "no_active_account" };

  it("401 no_active_account for an inactive user", async () => {
    const me = await loggedIn("rot");
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(me.pk).run();
    const response = await refresh(me.refresh);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(NO_ACCOUNT);
  });

  it("401 no_active_account for a deleted user", async () => {
    const me = await loggedIn("rot");
    await env.DB.prepare("delete from users where id = ?").bind(me.pk).run();
    const response = await refresh(me.refresh);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(NO_ACCOUNT);
  });
});
