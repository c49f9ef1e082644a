// REFRESH_REUSE_INTERVAL (contract §1.4): overlapping refreshes of one token, as single-page apps fire
// them, all get the family's current pair; an older ancestor, or the previous token too late, is reuse.
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { COOKIE_MODE, cookieHeader, cookieLogin, setCookies } from "../../../test/cookie-jar";
import { call, clock, eventsOf, jwtPayload, loggedIn } from "../../../test/helpers";

const INVALID = { detail: "Token is invalid or expired", code: "token_not_valid" };

const refresh = (token: string, env?: Record<string, string>) => call("POST", "/auth/token/refresh/", { body: { refresh: token }, env });
const whoAmI = (access: string) => call("GET", "/auth/user/", { token: access });

function familyRow(fam: string) {
  return env.DB.prepare("select * from token_families where id = ?").bind(fam).first<Record<string, any>>();
}

describe("concurrent refreshes of one token", () => {
  it("20 at once all answer 200 with the same new refresh token; the session survives and rotates on (50 rounds)", async () => {
    for (let round = 0; round < 50; round++) {
      const me = await loggedIn("burst");
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(me.refresh)));
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      const refreshTokens = new Set(results.map((r) => r.body.refresh as string));
      expect(refreshTokens.size).toBe(1);
      const [shared] = refreshTokens;
      expect(shared).not.toBe(me.refresh);
      // Same expiry everywhere; every access token is valid and its own.
      expect(new Set(results.map((r) => r.body.refresh_expiration)).size).toBe(1);
      expect(new Set(results.map((r) => jwtPayload(r.body.access).jti)).size).toBe(20);

      const fam = jwtPayload(me.refresh).fam;
      const row = await familyRow(fam);
      expect(row!.revoked_at).toBeNull();
      expect(row!.current_jti).toBe(jwtPayload(shared!).jti);
      expect(row!.previous_jti).toBe(jwtPayload(me.refresh).jti);
      expect((await whoAmI(results[19]!.body.access)).status).toBe(200);

      // The shared token then rotates normally, exactly once.
      const next = await refresh(shared!);
      expect(next.status).toBe(200);
      expect(next.body.refresh).not.toBe(shared);
      expect((await whoAmI(next.body.access)).status).toBe(200);
      expect((await eventsOf(me.pk)).map((e) => e.event)).not.toContain("refresh_reuse_detected");
    }
  }, 120_000);

  it("in cookie mode the losers get the same cookies as the winner", async () => {
    const { cookies } = await cookieLogin(COOKIE_MODE, "burstcookie");
    const results = await Promise.all(
      Array.from({ length: 4 }, () =>
        call("POST", "/auth/token/refresh/", { headers: { cookie: cookieHeader({ "app-refresh": cookies["app-refresh"] }) }, env: COOKIE_MODE }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const refreshCookies = results.map((r) => setCookies(r).lines["app-refresh"]);
    expect(refreshCookies[0]).toMatch(/^app-refresh=[\w-]+\.[\w-]+\.[\w-]+;/);
    // Same value, same Expires, same attributes.
    expect(new Set(refreshCookies).size).toBe(1);
    expect(refreshCookies[0]).not.toContain(cookies["app-refresh"]);
    // Every answer also carries a working access cookie.
    for (const result of results) {
      const access = setCookies(result).values["app-access"]!;
      expect((await call("GET", "/auth/user/", { headers: { cookie: `app-access=${access}` }, env: COOKIE_MODE })).status).toBe(200);
    }
  });
});

describe("the interval's edges (injected clock)", () => {
  it("just inside: the previous token gets the current pair, nothing is rotated, denylisted or revoked", async () => {
    const me = await loggedIn("edge");
    const first = await refresh(me.refresh);
    const before = await familyRow(jwtPayload(me.refresh).fam);
    clock.advance(10);
    const late = await refresh(me.refresh);
    expect(late.status).toBe(200);
    expect(late.body.refresh).toBe(first.body.refresh);
    expect(late.body.refresh_expiration).toBe(first.body.refresh_expiration);
    expect(jwtPayload(late.body.access).iat).toBe(jwtPayload(first.body.access).iat + 10);
    expect(await familyRow(jwtPayload(me.refresh).fam)).toEqual(before);
    expect(await env.TOKENS_KV.get(`denylist:${jwtPayload(first.body.refresh).jti}`)).toBeNull();
  });

  it("just outside: the previous token is reuse and ends the family", async () => {
    const me = await loggedIn("edge");
    const first = await refresh(me.refresh);
    clock.advance(10.001);
    const late = await refresh(me.refresh);
    expect(late.status).toBe(401);
    expect(late.body).toEqual(INVALID);
    expect((await refresh(first.body.refresh)).body).toEqual(INVALID);
    expect((await whoAmI(first.body.access)).status).toBe(401);
    expect((await familyRow(jwtPayload(me.refresh).fam))!.revoked_reason).toBe("reuse");
  });

  it("follows REFRESH_REUSE_INTERVAL: 30 s", async () => {
    const LONG = { REFRESH_REUSE_INTERVAL: "30" };
    const me = await loggedIn("edge");
    const first = await refresh(me.refresh, LONG);
    clock.advance(30);
    expect((await refresh(me.refresh, LONG)).body.refresh).toBe(first.body.refresh);
    clock.advance(0.001);
    expect((await refresh(me.refresh, LONG)).status).toBe(401);
  });

  it("0 is strict: the previous token is reuse at once", async () => {
    const STRICT = { REFRESH_REUSE_INTERVAL: "0" };
    const me = await loggedIn("edge");
    const first = await refresh(me.refresh, STRICT);
    const again = await refresh(me.refresh, STRICT);
    expect(again.status).toBe(401);
    expect((await refresh(first.body.refresh, STRICT)).status).toBe(401);
    expect((await eventsOf(me.pk)).map((e) => e.event)).toContain("refresh_reuse_detected");
  });

  it("refuses a value that is not a whole number of seconds from 0 to 3600", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const bad of ["-1", "3601", "ten", "1.5"]) {
      const response = await call("GET", "/auth/user/", { env: { REFRESH_REUSE_INTERVAL: bad } });
      expect(response.status).toBe(500);
      expect(response.body.detail).toMatch(/^Server misconfigured: REFRESH_REUSE_INTERVAL: /);
    }
  });
});

describe("only the immediately previous token qualifies", () => {
  it("an ancestor two rotations back revokes the family, even within the interval", async () => {
    const me = await loggedIn("ancestor");
    const first = await refresh(me.refresh);
    const second = await refresh(first.body.refresh);
    expect(second.status).toBe(200);
    const replay = await refresh(me.refresh);
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual(INVALID);
    expect((await refresh(second.body.refresh)).status).toBe(401);
    expect((await whoAmI(second.body.access)).status).toBe(401);
    const reuse = (await eventsOf(me.pk)).filter((e) => e.event === "refresh_reuse_detected");
    expect(reuse).toHaveLength(1);
  });

  it("is decided by D1 when the KV denylist has not propagated yet", async () => {
    const me = await loggedIn("ancestor");
    const first = await refresh(me.refresh);
    await env.TOKENS_KV.delete(`denylist:${jwtPayload(me.refresh).jti}`);
    expect((await refresh(me.refresh)).body.refresh).toBe(first.body.refresh);
    clock.advance(11);
    expect((await refresh(me.refresh)).status).toBe(401);
    expect((await familyRow(jwtPayload(me.refresh).fam))!.revoked_reason).toBe("reuse");
  });

  it("gets nothing from a family revoked meanwhile, a deactivated user or a session past SESSION_LIFETIME", async () => {
    const revoked = await loggedIn("gone");
    const first = await refresh(revoked.refresh);
    expect((await call("POST", "/auth/logout/", { body: { refresh: first.body.refresh } })).status).toBe(200);
    expect((await refresh(revoked.refresh)).body).toEqual(INVALID);

    const inactive = await loggedIn("gone");
    await refresh(inactive.refresh);
    await env.DB.prepare("update users set is_active = 0 where id = ?").bind(inactive.pk).run();
    expect((await refresh(inactive.refresh)).body.code).toBe("no_active_account");

    const LIMITED = { SESSION_LIFETIME: "60" };
    const capped = await loggedIn("gone");
    clock.advance(55);
    expect((await refresh(capped.refresh, LIMITED)).status).toBe(200);
    clock.advance(6);
    expect((await refresh(capped.refresh, LIMITED)).body.code).toBe("session_expired");
  });
});

describe("logout/ with the previous token", () => {
  it("within the interval logs the session out (same client), without a reuse event", async () => {
    const me = await loggedIn("bye");
    const first = await refresh(me.refresh);
    const logout = await call("POST", "/auth/logout/", { body: { refresh: me.refresh } });
    expect(logout.status).toBe(200);
    expect(logout.body).toEqual({ detail: "Successfully logged out." });
    expect((await refresh(first.body.refresh)).status).toBe(401);
    expect((await whoAmI(first.body.access)).status).toBe(401);
    const events = (await eventsOf(me.pk)).map((e) => e.event);
    expect(events).toContain("logout");
    expect(events).not.toContain("refresh_reuse_detected");
    expect((await familyRow(jwtPayload(me.refresh).fam))!.revoked_reason).toBe("logout");
  });

  it("after the interval is reuse: 401 and the family revoked", async () => {
    const me = await loggedIn("bye");
    const first = await refresh(me.refresh);
    clock.advance(11);
    const logout = await call("POST", "/auth/logout/", { body: { refresh: me.refresh } });
    expect(logout.status).toBe(401);
    expect(logout.body).toEqual(INVALID);
    expect((await whoAmI(first.body.access)).status).toBe(401);
    expect((await familyRow(jwtPayload(me.refresh).fam))!.revoked_reason).toBe("reuse");
  });
});
