import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, clock, loggedIn } from "../../../test/helpers";

async function loginAgain(me: { username: string; password: string }, userAgent: string, ip = "203.0.113.7") {
  const response = await call("POST", "/auth/login/", {
    body: { username: me.username, password: me.password },
    headers: { "user-agent": userAgent, "cf-connecting-ip": ip },
  });
  expect(response.status).toBe(200);
  return { access: response.body.access as string, refresh: response.body.refresh as string };
}

const familyOf = (token: string) => JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).fam as string;

describe("sessions/", () => {
  it("lists live families, most recently used first, marking the caller's", async () => {
    const me = await loggedIn("sess");
    const phone = await loginAgain(me, "Phone/1.0", "198.51.100.4");
    clock.advance(5);
    const laptop = await loginAgain(me, "Laptop/2.0");
    const response = await call("GET", "/auth/sessions/", { token: phone.access });
    expect(response.status).toBe(200);
    expect(response.body.map((s: { id: string }) => s.id)).toEqual([familyOf(laptop.access), familyOf(phone.access), familyOf(me.access)]);
    const [first, second] = response.body;
    expect(first).toMatchObject({ user_agent: "Laptop/2.0", ip: "203.0.113.7", current: false });
    expect(second).toMatchObject({ user_agent: "Phone/1.0", ip: "198.51.100.4", current: true });
    expect(Object.keys(first).sort()).toEqual(["country", "created_at", "current", "id", "ip", "last_used_at", "user_agent"]);
    expect(first.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("revokes one session: its refresh and access tokens stop at once, others keep working", async () => {
    const me = await loggedIn("sess");
    const other = await loginAgain(me, "Other/1.0");
    const revoked = await call("DELETE", `/auth/sessions/${familyOf(other.access)}/`, { token: me.access });
    expect(revoked.body).toEqual({ detail: "Session revoked." });
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: other.refresh } })).status).toBe(401);
    expect((await call("GET", "/auth/user/", { token: other.access })).status).toBe(401);
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } })).status).toBe(200);
    const event = await env.DB.prepare("select meta from events where user_id = ? and event = 'session_revoked'").bind(me.pk).first<{ meta: string }>();
    expect(JSON.parse(event!.meta)).toEqual({ session: familyOf(other.access) });
  });

  it("also revokes by POST sessions/{id}/revoke/, including the caller's own session", async () => {
    const me = await loggedIn("sess");
    const response = await call("POST", `/auth/sessions/${familyOf(me.access)}/revoke`, { token: me.access });
    expect(response.status).toBe(200);
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(401);
  });

  it("answers 404 for another user's session, an unknown id, a malformed id and a revoked one", async () => {
    const me = await loggedIn("sess");
    const stranger = await loggedIn("sess");
    for (const id of [familyOf(stranger.access), "0".repeat(32), "not-an-id"]) {
      const response = await call("DELETE", `/auth/sessions/${id}/`, { token: me.access });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ detail: "Not found." });
    }
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: stranger.refresh } })).status).toBe(200);
    const mine = await loginAgain(me, "x");
    await call("DELETE", `/auth/sessions/${familyOf(mine.access)}/`, { token: me.access });
    expect((await call("DELETE", `/auth/sessions/${familyOf(mine.access)}/`, { token: me.access })).status).toBe(404);
  });

  it("leaves the family revoked when revocations race each other and a refresh", async () => {
    const me = await loggedIn("sess");
    const target = await loginAgain(me, "target");
    const id = familyOf(target.access);
    const results = await Promise.all([
      call("DELETE", `/auth/sessions/${id}/`, { token: me.access }),
      call("POST", `/auth/sessions/${id}/revoke/`, { token: me.access }),
      call("POST", "/auth/token/refresh/", { body: { refresh: target.refresh } }),
    ]);
    expect(results.slice(0, 2).map((r) => r.status).sort()).toEqual([200, 404]);
    const row = await env.DB.prepare("select revoked_at from token_families where id = ?").bind(id).first();
    expect(row!.revoked_at).not.toBeNull();
    const refreshed = results[2]!;
    if (refreshed.status === 200) expect((await call("POST", "/auth/token/refresh/", { body: { refresh: refreshed.body.refresh } })).status).toBe(401);
  });
});

describe("logout-all/", () => {
  it("revokes every session of the user, the caller's included", async () => {
    const me = await loggedIn("all");
    const other = await loginAgain(me, "other");
    const stranger = await loggedIn("all");
    const response = await call("POST", "/auth/logout-all/", { token: me.access });
    expect(response.body).toEqual({ detail: "Successfully logged out from all devices." });
    for (const token of [me.refresh, other.refresh]) {
      expect((await call("POST", "/auth/token/refresh/", { body: { refresh: token } })).status).toBe(401);
    }
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(401);
    expect((await call("GET", "/auth/user/", { token: stranger.access })).status).toBe(200);
    const event = await env.DB.prepare("select meta from events where user_id = ? and event = 'logout_all'").bind(me.pk).first<{ meta: string }>();
    expect(JSON.parse(event!.meta)).toEqual({ sessions: 2, kept_current: false });
  });

  it("keeps the caller's session with keep_current (JSON or form boolean)", async () => {
    const me = await loggedIn("all");
    const other = await loginAgain(me, "other");
    const response = await call("POST", "/auth/logout-all/", { token: me.access, body: { keep_current: "true" }, as: "form" });
    expect(response.status).toBe(200);
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } })).status).toBe(200);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: other.refresh } })).status).toBe(401);
    const sessions = await call("GET", "/auth/sessions/", { token: me.access });
    expect(sessions.body).toHaveLength(1);
  });

  it("needs authentication and validates keep_current", async () => {
    expect((await call("POST", "/auth/logout-all/")).status).toBe(401);
    const me = await loggedIn("all");
    const response = await call("POST", "/auth/logout-all/", { token: me.access, body: { keep_current: "maybe" } });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ keep_current: ["Must be a valid boolean."] });
    expect((await call("GET", "/auth/user/", { token: me.access })).status).toBe(200);
  });
});
