import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../../index";
import { call, clock, loggedIn, mailTo, newIdentity } from "../../../test/helpers";

const keyIn = (text: string) => /Confirmation key: (\S+)/.exec(text)![1]!;
const familyOf = (token: string) => JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).fam as string;

async function eventTypes(token: string): Promise<string[]> {
  const response = await call("GET", "/auth/history/?page_size=100", { token });
  return response.body.results.map((e: { event: string }) => e.event);
}

describe("history/", () => {
  it("records every security event of the account, newest first", async () => {
    const me = await loggedIn("hist");
    const client = { "cf-connecting-ip": "192.0.2.10", "user-agent": "HistoryTest/1.0", "cf-ipcountry": "NO" };
    await call("POST", "/auth/login/", { body: { username: me.username, password: "wrong password!" }, headers: client });
    const second = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password }, headers: client });
    await call("PATCH", "/auth/profile/", { token: me.access, body: { bio: "x" } });
    await call("PATCH", "/auth/user/", { token: me.access, body: { first_name: "Ada" } });
    // Reuse: rotate, then present the old token again (revokes `second`'s family).
    await call("POST", "/auth/token/refresh/", { body: { refresh: second.body.refresh } });
    clock.advance(11); // past REFRESH_REUSE_INTERVAL: the replay is reuse
    await call("POST", "/auth/token/refresh/", { body: { refresh: second.body.refresh } });
    const third = await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } });
    await call("DELETE", `/auth/sessions/${familyOf(third.body.access)}/`, { token: me.access });
    await call("POST", "/auth/password/change/", {
      token: me.access,
      body: { old_password: me.password, new_password1: "a new good passphrase", new_password2: "a new good passphrase" },
    });
    await call("POST", "/auth/password/reset/", { body: { email: me.email } });
    const resetMail = mailTo(me.email).at(-1)!.text;
    await call("POST", "/auth/password/reset/confirm/", {
      body: {
        uid: /uid: (\S+)/.exec(resetMail)![1],
        token: /token: (\S+)/.exec(resetMail)![1],
        new_password1: "third good passphrase",
        new_password2: "third good passphrase",
      },
    });
    const fresh = await call("POST", "/auth/login/", { body: { username: me.username, password: "third good passphrase" } });
    const token = fresh.body.access;
    const target = newIdentity("moved").email;
    await call("POST", "/auth/email/change/", { token, body: { email: target, password: "third good passphrase" } });
    await call("POST", "/auth/registration/verify-email/", { body: { key: keyIn(mailTo(target)[0]!.text) } });
    const other = await call("POST", "/auth/login/", { body: { email: target, password: "third good passphrase" } });
    await call("POST", "/auth/logout/", { body: { refresh: other.body.refresh } });
    await call("POST", "/auth/logout-all/", { token, body: { keep_current: true } });

    const types = await eventTypes(token);
    expect([...types].reverse()).toEqual([
      "register",
      "email_verified",
      "login",
      "login_failed",
      "login",
      "profile_updated",
      "user_updated",
      "refresh_reuse_detected",
      "login",
      "session_revoked",
      "password_change",
      "password_reset_requested",
      "password_reset",
      "login",
      "email_change_requested",
      "email_verified",
      "login",
      "logout",
      "logout_all",
    ]);
    const failed = (await call("GET", "/auth/history/?event=login_failed", { token })).body.results[0];
    expect(failed).toMatchObject({ event: "login_failed", ip: "192.0.2.10", user_agent: "HistoryTest/1.0", country: "NO", meta: { reason: "password" } });
    expect(Object.keys(failed).sort()).toEqual(["country", "created_at", "event", "id", "ip", "meta", "user_agent"]);
    expect(failed.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("paginates with count, next and previous, and filters by event type", async () => {
    const me = await loggedIn("page");
    for (let i = 0; i < 4; i++) await call("PATCH", "/auth/profile/", { token: me.access, body: { bio: `v${i}` } });
    const first = await call("GET", "/auth/history/?page_size=2", { token: me.access });
    expect(first.body.count).toBe(7); // register, email_verified, login, 4 × profile_updated
    expect(first.body.results).toHaveLength(2);
    expect(first.body.previous).toBeNull();
    expect(first.body.next).toBe("https://api.example.test/auth/history/?page_size=2&page=2");
    const second = await call("GET", "/auth/history/?page_size=2&page=2", { token: me.access });
    expect(second.body.previous).toBe("https://api.example.test/auth/history/?page_size=2");
    const last = await call("GET", "/auth/history/?page_size=2&page=4", { token: me.access });
    expect(last.body.next).toBeNull();
    expect(last.body.results.map((e: { event: string }) => e.event)).toEqual(["register"]);
    const filtered = await call("GET", "/auth/history/?event=profile_updated", { token: me.access });
    expect(filtered.body.count).toBe(4);
    expect(filtered.body.results[0].meta).toEqual({ fields: ["bio"] });
    const ids = first.body.results.map((e: { id: number }) => e.id);
    expect(ids[0]).toBeGreaterThan(ids[1]);
  });

  it("never shows another user's events", async () => {
    const me = await loggedIn("mine");
    const other = await loggedIn("theirs");
    await call("PATCH", "/auth/profile/", { token: other.access, body: { bio: "secret" } });
    const mine = await call("GET", "/auth/history/?event=profile_updated", { token: me.access });
    expect(mine.body).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it.each([
    ["?page=99", 404, { detail: "Invalid page." }],
    ["?page=0", 404, { detail: "Invalid page." }],
    ["?page=abc", 404, { detail: "Invalid page." }],
    ["?event=foo", 400, { event: ['"foo" is not a valid choice.'] }],
  ])("answers %s with %i", async (query, status, body) => {
    const me = await loggedIn("bad");
    const response = await call("GET", `/auth/history/${query}`, { token: me.access });
    expect(response.status).toBe(status);
    expect(response.body).toEqual(body);
  });

  it("falls back to the default page size for bad values and caps it at 100", async () => {
    const me = await loggedIn("size");
    expect((await call("GET", "/auth/history/?page_size=-3", { token: me.access })).body.results).toHaveLength(3);
    expect((await call("GET", "/auth/history/?page_size=100000", { token: me.access })).status).toBe(200);
  });

  it("answers 404 Invalid page., never a 500, for a page number past any integer type, negative, fractional or not a number", async () => {
    const me = await loggedIn("overflow");
    const pages = [
      "9223372036854775807", // SQLite's largest integer: once a float OFFSET and a 500
      "9223372036854775808",
      "18446744073709551616",
      "9007199254740991",
      "9007199254740993",
      "1".repeat(400), // Number() gives Infinity
      "-1",
      "-9223372036854775808",
      "1.5",
      "1e3",
      "0x10",
      "%20",
      "1%00",
      "NaN",
      "Infinity",
      "",
    ];
    for (const page of pages) {
      for (const size of ["", "&page_size=1", "&page_size=100"]) {
        const response = await call("GET", `/auth/history/?page=${page}${size}`, { token: me.access });
        expect([page, size, response.status]).toEqual([page, size, 404]);
        expect(response.body).toEqual({ detail: "Invalid page." });
      }
    }
  }, 60_000);

  it("treats any page_size that is not a small positive integer like DRF: default, or the cap of 100", async () => {
    const me = await loggedIn("oversize");
    for (const size of ["9223372036854775807", "1".repeat(400), "-1", "1.5", "1e3", "NaN", "0"]) {
      const response = await call("GET", `/auth/history/?page_size=${size}`, { token: me.access });
      expect([size, response.status]).toEqual([size, 200]);
      expect(response.body.count).toBe(3);
    }
    // The last page of a huge page size is still page 1.
    expect((await call("GET", "/auth/history/?page=1&page_size=9223372036854775807", { token: me.access })).status).toBe(200);
    expect((await call("GET", "/auth/history/?page=2&page_size=9223372036854775807", { token: me.access })).body).toEqual({ detail: "Invalid page." });
  });
});

describe("dashboard/", () => {
  it("returns user, profile, verification, last login, session count and recent events", async () => {
    const me = await loggedIn("dash");
    for (let i = 0; i < 4; i++) await call("PATCH", "/auth/profile/", { token: me.access, body: { country: `c${i}` } });
    const response = await call("GET", "/auth/dashboard/", { token: me.access });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      user: { pk: me.pk, username: me.username, email: me.email },
      profile: { country: "c3" },
      email_verified: true,
      active_sessions: 1,
    });
    expect(response.body.last_login).toMatch(/Z$/);
    expect(response.body.date_joined).toMatch(/Z$/);
    expect(response.body.recent_events).toHaveLength(5);
    expect(response.body.recent_events[0].event).toBe("profile_updated");
    expect((await call("GET", "/auth/dashboard/")).status).toBe(401);
  });
});

describe("retention", () => {
  it("the cron handler prunes events older than HISTORY_RETENTION_DAYS and keeps newer ones", async () => {
    const me = await loggedIn("old");
    const now = Date.now();
    await env.DB.prepare("insert into events (user_id, event, created_at, user_agent, meta) values (?, 'login', ?, '', '{}'), (?, 'login', ?, '', '{}')")
      .bind(me.pk, now - 91 * 86_400_000, me.pk, now - 89 * 86_400_000)
      .run();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "*/5 * * * *" }), env as never, ctx);
    await waitOnExecutionContext(ctx);
    const rows = await env.DB.prepare("select created_at from events where user_id = ? and created_at < ?").bind(me.pk, now - 86_400_000).all();
    expect(rows.results.map((r) => r.created_at)).toEqual([now - 89 * 86_400_000]);
  });
});
