// The cron job's pruning: history older than HISTORY_RETENTION_DAYS, families that can no longer be used.
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it } from "vitest";
import { getConfig } from "../src/config";
import * as schema from "../src/db/schema";
import { runMaintenance } from "../src/core/maintenance";
import { enrolled, ticketFor } from "../src/features/mfa/mfa.fixtures";
import { call, clock, envWith, eventsOf, jwtPayload, loggedIn } from "./helpers";

const DAY = 86_400;

function maintenance(overrides: Record<string, string> = {}) {
  return runMaintenance({ config: getConfig(envWith(overrides)), db: drizzle(env.DB, { schema }), now: clock.now });
}

async function insertEvent(userId: number, event: string, ageSeconds: number): Promise<void> {
  await env.DB.prepare("insert into events (user_id, event, created_at, meta) values (?, ?, ?, '{}')")
    .bind(userId, event, clock.now() - ageSeconds * 1000)
    .run();
}

async function familyExists(token: string): Promise<boolean> {
  const row = await env.DB.prepare("select id from token_families where id = ?").bind(jwtPayload(token).fam).first();
  return row !== null;
}

const loginAgain = async (me: { username: string; password: string }) =>
  (await call("POST", "/auth/login/", { body: { username: me.username, password: me.password } })).body as { access: string; refresh: string };

describe("history pruning", () => {
  it("deletes events older than HISTORY_RETENTION_DAYS (default 90) and keeps newer ones", async () => {
    const me = await loggedIn("maint");
    await insertEvent(me.pk, "user_updated", 91 * DAY);
    await insertEvent(me.pk, "profile_updated", 90 * DAY + 1);
    await insertEvent(me.pk, "password_change", 89 * DAY);
    const report = await maintenance();
    expect(report.eventsPruned).toBeGreaterThanOrEqual(2);
    const kept = (await eventsOf(me.pk)).map((e) => e.event);
    expect(kept).not.toContain("user_updated");
    expect(kept).not.toContain("profile_updated");
    expect(kept).toEqual(expect.arrayContaining(["register", "email_verified", "login", "password_change"]));
  });

  it("keeps an event exactly at the retention limit", async () => {
    const me = await loggedIn("maint");
    await insertEvent(me.pk, "logout_all", 90 * DAY);
    await maintenance();
    expect((await eventsOf(me.pk)).map((e) => e.event)).toContain("logout_all");
  });

  it("honours a shorter HISTORY_RETENTION_DAYS", async () => {
    const me = await loggedIn("maint");
    await insertEvent(me.pk, "user_updated", 8 * DAY);
    await insertEvent(me.pk, "profile_updated", 6 * DAY);
    await maintenance({ HISTORY_RETENTION_DAYS: "7" });
    const kept = (await eventsOf(me.pk)).map((e) => e.event);
    expect(kept).not.toContain("user_updated");
    expect(kept).toContain("profile_updated");
  });

  it("prunes history written through the API once it ages out", async () => {
    const me = await loggedIn("maint");
    expect((await eventsOf(me.pk)).length).toBeGreaterThan(0);
    clock.advance(91 * DAY);
    await maintenance();
    expect(await eventsOf(me.pk)).toEqual([]);
  });
});

describe("family pruning", () => {
  it("deletes families expired for longer than the refresh lifetime and revoked ones past it; keeps live ones", async () => {
    const me = await loggedIn("maint");
    const idle = { access: me.access, refresh: me.refresh };
    const loggedOut = await loginAgain(me);
    expect((await call("POST", "/auth/logout/", { body: { refresh: loggedOut.refresh } })).status).toBe(200);
    const active = await loginAgain(me);

    // Day 0.75: the active session is used, the others are not; nothing is old enough to go.
    clock.advance(0.75 * DAY);
    let current = await call("POST", "/auth/token/refresh/", { body: { refresh: active.refresh } });
    expect(current.status).toBe(200);
    await maintenance();
    for (const token of [idle.refresh, loggedOut.refresh, active.refresh]) expect(await familyExists(token)).toBe(true);

    // Day 1.5: the revoked family is a lifetime past its revocation; the idle one expired only half a day ago.
    clock.advance(0.75 * DAY);
    current = await call("POST", "/auth/token/refresh/", { body: { refresh: current.body.refresh } });
    expect(current.status).toBe(200);
    await maintenance();
    expect(await familyExists(loggedOut.refresh)).toBe(false);
    expect(await familyExists(idle.refresh)).toBe(true);

    // Day 2 + 1 s: the idle family has been expired for a full refresh lifetime.
    clock.advance(0.5 * DAY + 1);
    const report = await maintenance();
    expect(report.familiesPruned).toBeGreaterThanOrEqual(1);
    expect(await familyExists(idle.refresh)).toBe(false);
    expect(await familyExists(active.refresh)).toBe(true);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: current.body.refresh } })).status).toBe(200);
  });

  it("keeps a recently revoked family so a replayed token is still recognised", async () => {
    const me = await loggedIn("maint");
    const next = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    clock.advance(11); // past REFRESH_REUSE_INTERVAL: the replay is reuse
    await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } });
    clock.advance(DAY - 1);
    await maintenance();
    expect(await familyExists(me.refresh)).toBe(true);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: next.body.refresh } })).status).toBe(401);
  });

  it("a pruned family's tokens stay refused", async () => {
    const me = await loggedIn("maint");
    clock.advance(2 * DAY + 1);
    await maintenance();
    expect(await familyExists(me.refresh)).toBe(false);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh } })).status).toBe(401);
    expect((await call("POST", "/auth/token/verify/", { body: { token: me.refresh } })).status).toBe(401);
  });

  it("deletes expired MFA login tickets and keeps live ones", async () => {
    const me = await enrolled("maint");
    await ticketFor(me);
    clock.advance(301);
    await ticketFor(me);
    const tickets = () => env.DB.prepare("select expires_at from mfa_tickets where user_id = ?").bind(me.pk).all<{ expires_at: number }>();
    expect((await tickets()).results).toHaveLength(2);
    const report = await maintenance();
    expect(report.mfaTicketsPruned).toBeGreaterThanOrEqual(1);
    const left = (await tickets()).results;
    expect(left).toHaveLength(1);
    expect(left[0]!.expires_at).toBeGreaterThan(clock.now());
  });

  it("reports what it did", async () => {
    const report = await maintenance();
    expect(Object.keys(report).sort()).toEqual(["eventsPruned", "familiesPruned", "identifierKeys", "mailDead", "mailExpired", "mailPruned", "mailRetried", "mailSent", "mfaTicketsPruned"]);
  });

  it("drops dead and sent mail after a week and keeps pending mail", async () => {
    const insert = (status: string, ageDays: number) =>
      env.DB.prepare("insert into mail_outbox (payload, status, attempts, next_attempt_at, created_at) values ('{}', ?, 1, ?, ?) returning id")
        .bind(status, clock.now() + 3_600_000, clock.now() - ageDays * DAY * 1000)
        .first<{ id: number }>();
    const old = await insert("failed", 8);
    const recent = await insert("failed", 6);
    const pending = await insert("pending", 8);
    const sentOld = await insert("sent", 8);
    const report = await maintenance();
    expect(report.mailPruned).toBeGreaterThanOrEqual(1);
    const left = await env.DB.prepare("select id from mail_outbox where id in (?, ?, ?)").bind(old!.id, recent!.id, pending!.id).all();
    expect(await env.DB.prepare("select id from mail_outbox where id = ?").bind(sentOld!.id).first()).toBeNull();
    expect(left.results.map((r) => r.id).sort()).toEqual([recent!.id, pending!.id].sort());
  });
});
