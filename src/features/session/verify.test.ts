// token/verify/: 200 {} for live tokens of either kind, 401 for anything revoked, expired or forged; no side effects.
import { env } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { call, clock, eventsOf, jwtPayload, loggedIn } from "../../../test/helpers";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

const verify = (token: unknown, options: { env?: Record<string, string>; path?: string; headers?: Record<string, string> } = {}) =>
  call("POST", options.path ?? "/auth/token/verify/", { body: { token }, env: options.env, headers: options.headers });

describe("token/verify/ accepts", () => {
  it("a valid access token and a valid refresh token with 200 {}", async () => {
    const me = await loggedIn("verify");
    for (const token of [me.access, me.refresh]) {
      const response = await verify(token);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({});
      expect(response.text).toBe("{}");
    }
  });

  it("the current refresh token of a rotated family, and its new access token", async () => {
    const me = await loggedIn("verify");
    const next = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    expect((await verify(next.body.refresh)).status).toBe(200);
    expect((await verify(next.body.access)).status).toBe(200);
    // The old access token of the (still live) family remains valid until its exp.
    expect((await verify(me.access)).status).toBe(200);
  });

  it("slashless, form-encoded, and ignoring a stale Authorization header", async () => {
    const me = await loggedIn("verify");
    expect((await verify(me.access, { path: "/auth/token/verify" })).status).toBe(200);
    expect((await call("POST", "/auth/token/verify/", { body: { token: me.refresh }, as: "form" })).status).toBe(200);
    expect((await verify(me.access, { headers: { authorization: "Bearer garbage" } })).status).toBe(200);
  });
});

describe("token/verify/ input", () => {
  it("400 {token: [required]} when token is missing", async () => {
    const response = await call("POST", "/auth/token/verify/", { body: {} });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ token: ["This field is required."] });
  });

  it("400 for blank and null tokens, with DRF's messages", async () => {
    expect((await verify("")).body).toEqual({ token: ["This field may not be blank."] });
    expect((await verify(null)).body).toEqual({ token: ["This field may not be null."] });
  });

  it("405 for GET", async () => {
    const response = await call("GET", "/auth/token/verify/");
    expect(response.status).toBe(405);
    expect(response.body).toEqual({ detail: 'Method "GET" not allowed.' });
  });
});

describe("token/verify/ refuses with 401", () => {
  it("a rotated refresh token, without triggering reuse handling (no side effects)", async () => {
    const me = await loggedIn("verify");
    const next = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    const response = await verify(me.refresh);
    expect(response.status).toBe(401);
    expect(response.body).toEqual(INVALID);
    // Verify only looks: the family lives on and no reuse was recorded.
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: next.body.refresh } })).status).toBe(200);
    expect((await eventsOf(me.pk)).map((e) => e.event)).not.toContain("refresh_reuse_detected");
  });

  it("a rotated refresh token even when its KV denylist entry is missing", async () => {
    const me = await loggedIn("verify");
    await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    await env.TOKENS_KV.delete(`denylist:${jwtPayload(me.refresh).jti}`);
    expect((await verify(me.refresh)).body).toEqual(INVALID);
  });

  it("a logged-out refresh token and the access token of its family", async () => {
    const me = await loggedIn("verify");
    expect((await call("POST", "/auth/logout/", { body: { refresh: me.refresh } })).status).toBe(200);
    expect((await verify(me.refresh)).body).toEqual(INVALID);
    expect((await verify(me.access)).body).toEqual(INVALID);
  });

  it("the access token of a family revoked by reuse detection", async () => {
    const me = await loggedIn("verify");
    const next = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    clock.advance(11); // past REFRESH_REUSE_INTERVAL: the replay is reuse
    await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    expect((await verify(next.body.access)).body).toEqual(INVALID);
    expect((await verify(next.body.refresh)).body).toEqual(INVALID);
  });

  it("but accepts such an access token with ACCESS_TOKEN_SESSION_CHECK=false (until exp)", async () => {
    const me = await loggedIn("verify");
    await call("POST", "/auth/logout/", { body: { refresh: me.refresh } });
    const unchecked = { ACCESS_TOKEN_SESSION_CHECK: "false" };
    expect((await verify(me.access, { env: unchecked })).status).toBe(200);
    expect((await verify(me.refresh, { env: unchecked })).status).toBe(401);
    clock.advance(300);
    expect((await verify(me.access, { env: unchecked })).body).toEqual(INVALID);
  });

  it("an expired access token (after 300 s) and an expired refresh token (after 1 day)", async () => {
    const me = await loggedIn("verify");
    clock.advance(299);
    expect((await verify(me.access)).status).toBe(200);
    clock.advance(1);
    expect((await verify(me.access)).body).toEqual(INVALID);
    expect((await verify(me.refresh)).status).toBe(200);
    clock.advance(86400 - 300);
    expect((await verify(me.refresh)).body).toEqual(INVALID);
  });

  it("garbage, forged and alg=none tokens", async () => {
    const me = await loggedIn("verify");
    const claims = jwtPayload(me.access);
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(new TextEncoder().encode("not-the-signing-key-0123456789abcdef"));
    const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    for (const token of ["garbage", "a.b.c", forged, unsigned, `${me.access}x`, 42]) {
      const response = await verify(token);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(INVALID);
    }
  });

  it("tokens of a password change's revoked families", async () => {
    const me = await loggedIn("verify");
    const other = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    const change = await call("POST", "/auth/password/change/", {
      token: me.access,
      body: { old_password: me.password, new_password1: "a brand new passphrase", new_password2: "a brand new passphrase" },
    });
    expect(change.status).toBe(200);
    expect((await verify(other.body.access)).body).toEqual(INVALID);
    expect((await verify(other.body.refresh)).body).toEqual(INVALID);
    expect((await verify(me.access)).status).toBe(200);
  });

  it("the tokens of a deactivated user, as protected endpoints refuse them, also with ACCESS_TOKEN_SESSION_CHECK=false", async () => {
    const me = await loggedIn("verifyoff");
    expect((await verify(me.access)).status).toBe(200);
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(me.pk).run();
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(401);
    for (const token of [me.access, me.refresh]) {
      const response = await verify(token);
      expect(response.status).toBe(401);
      expect(response.body).toEqual(INVALID);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    }
    expect((await verify(me.access, { env: { ACCESS_TOKEN_SESSION_CHECK: "false" } })).body).toEqual(INVALID);
    // Reactivated, the same tokens verify again: nothing was revoked by asking.
    await env.DB.prepare("update users set is_active = 1 where id = ?").bind(me.pk).run();
    expect((await verify(me.access)).status).toBe(200);
    expect((await verify(me.refresh)).status).toBe(200);
  });

  it("the tokens of a deleted user", async () => {
    const me = await loggedIn("verifydel");
    await env.DB.prepare("delete from users where id = ?").bind(me.pk).run();
    for (const token of [me.access, me.refresh]) expect((await verify(token)).body).toEqual(INVALID);
    expect((await verify(me.access, { env: { ACCESS_TOKEN_SESSION_CHECK: "false" } })).body).toEqual(INVALID);
  });
});
