// POST logout/: revokes the presented refresh token's family; bearer optional but must match; GET only when enabled.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, clock, eventsOf, jwtPayload, loggedIn } from "../../../test/helpers";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };
const LOGGED_OUT = { detail: "Successfully logged out." };

const logout = (refresh: unknown, options: { token?: string; env?: Record<string, string>; headers?: Record<string, string> } = {}) =>
  call("POST", "/auth/logout/", { body: refresh === undefined ? {} : { refresh }, ...options });
const refresh = (token: string) => call("POST", "/auth/token/refresh/", { body: { refresh: token } });
const whoAmI = (access: string, overrides?: Record<string, string>) => call("GET", "/auth/user/", { token: access, env: overrides });

describe("logout/", () => {
  it("answers 200 and the refresh token is rejected afterwards", async () => {
    const me = await loggedIn("logout");
    const response = await logout(me.refresh);
    expect(response.status).toBe(200);
    expect(response.body).toEqual(LOGGED_OUT);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    const after = await refresh(me.refresh);
    expect(after.status).toBe(401);
    expect(after.body).toEqual(INVALID);
  });

  it("rejects the family's access token at once on protected endpoints (session check)", async () => {
    const me = await loggedIn("logout");
    expect((await whoAmI(me.access)).status).toBe(200);
    await logout(me.refresh);
    const user = await whoAmI(me.access);
    expect(user.status).toBe(401);
    expect(user.body).toEqual({
      detail: "Given token not valid for any token type",
      code: "token_not_valid",
      messages: [{ token_class: "AccessToken", token_type: "access", message: "Token is invalid or expired" }],
    });
    expect(user.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("also revokes access tokens minted by earlier rotations of the family", async () => {
    const me = await loggedIn("logout");
    const next = await refresh(me.refresh);
    expect((await logout(next.body.refresh)).status).toBe(200);
    expect((await whoAmI(me.access)).status).toBe(401);
    expect((await whoAmI(next.body.access)).status).toBe(401);
  });

  it("with ACCESS_TOKEN_SESSION_CHECK=false the access token lives on until its exp", async () => {
    const unchecked = { ACCESS_TOKEN_SESSION_CHECK: "false" };
    const me = await loggedIn("logout");
    expect((await logout(me.refresh, { env: unchecked })).status).toBe(200);
    expect((await whoAmI(me.access, unchecked)).status).toBe(200);
    expect((await refresh(me.refresh)).status).toBe(401);
    clock.advance(300);
    expect((await whoAmI(me.access, unchecked)).status).toBe(401);
  });

  it("leaves the user's other sessions alone", async () => {
    const me = await loggedIn("logout");
    const other = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    await logout(me.refresh);
    expect((await whoAmI(other.body.access)).status).toBe(200);
    expect((await refresh(other.body.refresh)).status).toBe(200);
  });

  it("writes denylist:<jti> with reason logout to KV", async () => {
    const me = await loggedIn("logout");
    await logout(me.refresh);
    expect(await env.TOKENS_KV.get(`denylist:${jwtPayload(me.refresh).jti}`)).toBe("logout");
  });

  it("records a logout event and marks the family revoked", async () => {
    const me = await loggedIn("logout");
    const fam = jwtPayload(me.refresh).fam;
    await logout(me.refresh, { headers: { "cf-connecting-ip": "198.51.100.23", "user-agent": "LogoutTest/1.0" } });
    const events = (await eventsOf(me.pk)).filter((e) => e.event === "logout");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ip: "198.51.100.23", user_agent: "LogoutTest/1.0" });
    const row = await env.DB.prepare("select revoked_at, revoked_reason from token_families where id = ?").bind(fam).first<Record<string, any>>();
    expect(row!.revoked_reason).toBe("logout");
    expect(row!.revoked_at).not.toBeNull();
  });

  it("accepts form-encoded and slashless requests", async () => {
    const me = await loggedIn("logout");
    const response = await call("POST", "/auth/logout", { body: { refresh: me.refresh }, as: "form" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(LOGGED_OUT);
  });
});

describe("logout/ refusals", () => {
  it("401 'Refresh token was not included in request data.' without a token", async () => {
    for (const body of [{}, { refresh: "" }]) {
      const response = await call("POST", "/auth/logout/", { body });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ detail: "Refresh token was not included in request data." });
    }
  });

  it("401 for an already logged-out token, with no second logout event", async () => {
    const me = await loggedIn("logout");
    expect((await logout(me.refresh)).status).toBe(200);
    const again = await logout(me.refresh);
    expect(again.status).toBe(401);
    expect(again.body).toEqual(INVALID);
    expect((await eventsOf(me.pk)).filter((e) => e.event === "logout")).toHaveLength(1);
  });

  it("401 for garbage, an access token, and an expired refresh token", async () => {
    const me = await loggedIn("logout");
    expect((await logout("garbage")).body).toEqual(INVALID);
    expect((await logout(me.access)).body).toEqual(INVALID);
    clock.advance(86400);
    expect((await logout(me.refresh)).body).toEqual(INVALID);
  });

  it("400 for a refresh that is not a string", async () => {
    const response = await logout(["x"]);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ refresh: ["Not a valid string."] });
  });

  it("401 when a valid bearer of another user comes along; the refresh token keeps working", async () => {
    const victim = await loggedIn("logout");
    const attacker = await loggedIn("logout");
    const response = await logout(victim.refresh, { token: attacker.access });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(INVALID);
    expect((await whoAmI(victim.access)).status).toBe(200);
    expect((await refresh(victim.refresh)).status).toBe(200);
    expect((await whoAmI(attacker.access)).status).toBe(200);
  });

  it("succeeds with the owner's bearer", async () => {
    const me = await loggedIn("logout");
    const response = await logout(me.refresh, { token: me.access });
    expect(response.body).toEqual(LOGGED_OUT);
  });

  it("ignores an invalid bearer (garbage, revoked, malformed header, another scheme)", async () => {
    for (const authorization of ["Bearer garbage", "Bearer a b", "Token abc", "Bearer"]) {
      const me = await loggedIn("logout");
      const response = await call("POST", "/auth/logout/", { body: { refresh: me.refresh }, headers: { authorization } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(LOGGED_OUT);
    }
    const me = await loggedIn("logout");
    const stale = await loggedIn("logout");
    await logout(stale.refresh);
    // A revoked bearer of another user is ignored too (it authenticates nobody).
    expect((await logout(me.refresh, { token: stale.access })).status).toBe(200);
  });
});

describe("GET logout/", () => {
  it("405 by default, with an Allow header", async () => {
    const response = await call("GET", "/auth/logout/");
    expect(response.status).toBe(405);
    expect(response.body).toEqual({ detail: 'Method "GET" not allowed.' });
    expect(response.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("is routed like POST with ACCOUNT_LOGOUT_ON_GET=true (body mode: no token in a GET)", async () => {
    const onGet = { ACCOUNT_LOGOUT_ON_GET: "true" };
    const response = await call("GET", "/auth/logout/", { env: onGet });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ detail: "Refresh token was not included in request data." });
    const options = await call("OPTIONS", "/auth/logout/", { env: onGet });
    expect(options.status).toBe(204);
    expect(options.headers.get("allow")!.split(", ").sort()).toEqual(["GET", "HEAD", "OPTIONS", "POST"]);
    const me = await loggedIn("logout");
    expect((await logout(me.refresh, { env: onGet })).body).toEqual(LOGGED_OUT);
  });
});
