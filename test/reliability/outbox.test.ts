// Mail is never lost: retried until delivered exactly once, dead with the provider's reason after
// MAIL_MAX_AGE or at a 4xx, never holding a secret link past its life, and never sent twice by
// overlapping cron runs (rows are claimed by one conditional UPDATE ... RETURNING).
import { env } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import { getConfig } from "../../src/config";
import * as schema from "../../src/db/schema";
import { MAIL_LEASE_MS, MAIL_MAX_AGE_MS } from "../../src/core/mail";
import { runMaintenance } from "../../src/core/maintenance";
import { call, clock, envWith, MAIL_API_URL, mailApiResponses, mailTo, registerVerified } from "../helpers";
import { faultyBindings } from "../faults";

const RESET = "[edge-rest-auth] Password reset";

interface Row {
  id: number;
  status: string;
  attempts: number;
  payload: string;
  last_error: string | null;
  expires_at: number | null;
  next_attempt_at: number;
}

async function resetRows(address: string): Promise<Row[]> {
  const { results } = await env.DB.prepare("select * from mail_outbox where payload like ? order by id").bind(`%${address}%`).all<Row>();
  return results.filter((row) => JSON.parse(row.payload).subject === RESET);
}

const cron = (offsetMs: number, vars: Record<string, string> = {}) =>
  runMaintenance({ config: getConfig(envWith(vars)), db: drizzle(env.DB, { schema }), now: () => clock.now() + offsetMs });

/** Requests the Worker made to the mail API during this test. */
function mailRequests(): Request[] {
  return vi
    .mocked(globalThis.fetch)
    .mock.calls.map(([input, init]) => new Request(input as RequestInfo, init))
    .filter((request) => request.url === MAIL_API_URL);
}

const requestReset = (email: string, vars?: Record<string, string>) => call("POST", "/auth/password/reset/", { body: { email }, env: vars });

describe("a provider failing N times, then succeeding", () => {
  it.each([1, 3, 6])("delivers the message exactly once after %i failures, under one idempotency key", async (failures) => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await registerVerified("outbox");
    const before = mailRequests().length;
    mailApiResponses.push(() => new Response("down", { status: 503 }));
    await requestReset(me.email);
    let offset = 0;
    for (let i = 1; i < failures; i++) {
      const [row] = await resetRows(me.email);
      offset = row!.next_attempt_at - clock.now();
      for (let k = 0; k < 20; k++) mailApiResponses.push(() => new Response("still down", { status: 500 }));
      await cron(offset);
      mailApiResponses.length = 0;
    }
    const [row] = await resetRows(me.email);
    expect(row).toMatchObject({ status: "pending", attempts: failures });
    await cron(row!.next_attempt_at - clock.now());
    // Later runs find nothing due: the row is sent.
    await cron(row!.next_attempt_at - clock.now() + 3_600_000);
    expect(mailTo(me.email).filter((m) => m.subject === RESET)).toHaveLength(1);
    const [sent] = await resetRows(me.email);
    expect(sent).toMatchObject({ status: "sent", attempts: failures + 1, last_error: null });
    const keys = mailRequests()
      .slice(before)
      .filter((r) => r.headers.get("idempotency-key") === `outbox-${sent!.id}-${clock.now()}`);
    // Every attempt of this row (the failed ones and the one that went through) carried the same key.
    expect(keys).toHaveLength(failures + 1);
  });
});

describe("a provider failing forever", () => {
  it("marks the mail dead after MAIL_MAX_AGE with the provider's last reason; nothing is sent", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await registerVerified("outbox");
    mailApiResponses.push(() => new Response("down", { status: 503 }));
    // Reset links live longer than the outbox keeps trying here.
    const vars = { PASSWORD_RESET_TIMEOUT: String((2 * MAIL_MAX_AGE_MS) / 1000) };
    await requestReset(me.email, vars);
    let runs = 0;
    for (;;) {
      const [row] = await resetRows(me.email);
      if (row!.status !== "pending") break;
      for (let k = 0; k < 20; k++) mailApiResponses.push(() => Response.json({ message: `overloaded ${runs}` }, { status: 503 }));
      await cron(row!.next_attempt_at - clock.now(), vars);
      mailApiResponses.length = 0;
      runs++;
      expect(runs).toBeLessThan(40);
    }
    const [dead] = await resetRows(me.email);
    expect(dead!.status).toBe("failed");
    expect(dead!.last_error).toBe(`503: {"message":"overloaded ${runs - 1}"}`);
    // Kept resendable (the link still works), body and all.
    expect(JSON.parse(dead!.payload).text).toContain("/auth/password/reset/confirm/");
    expect(mailTo(me.email).filter((m) => m.subject === RESET)).toEqual([]);
  });

  it("a 4xx is dead at once, reason kept, never retried", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await registerVerified("outbox");
    mailApiResponses.push(() => Response.json({ name: "validation_error", message: "Invalid `to` field." }, { status: 422 }));
    await requestReset(me.email);
    const [row] = await resetRows(me.email);
    expect(row).toMatchObject({ status: "failed", attempts: 1, last_error: '422: {"name":"validation_error","message":"Invalid `to` field."}' });
    const calls = mailRequests().length;
    await cron(MAIL_MAX_AGE_MS / 2);
    expect(mailRequests().length).toBe(calls);
  });
});

describe("secret links are not kept past their life", () => {
  it("a pending reset mail whose link expired is given up with its body purged, and never sent", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const vars = { PASSWORD_RESET_TIMEOUT: "600" };
    const me = await registerVerified("outbox");
    mailApiResponses.push(() => new Response("down", { status: 503 }));
    await requestReset(me.email, vars);
    const [row] = await resetRows(me.email);
    expect(row!.expires_at).toBe(clock.now() + 600_000);
    for (let k = 0; k < 50; k++) mailApiResponses.push(() => new Response("down", { status: 503 }));
    const report = await cron(600_000, vars);
    mailApiResponses.length = 0;
    const [expired] = await resetRows(me.email);
    expect(report.mailExpired).toBeGreaterThanOrEqual(1);
    expect(expired!.status).toBe("failed");
    expect(expired!.last_error).toBe("link expired before delivery; last error: 503: down");
    expect(JSON.parse(expired!.payload)).toEqual({ to: [me.email], subject: RESET });
    expect(mailTo(me.email).filter((m) => m.subject === RESET)).toEqual([]);
  });

  it("a dead confirmation mail keeps its body for a resend only until its key expires", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await registerVerified("outbox");
    const fresh = `outbox-${crypto.randomUUID().slice(0, 8)}@example.com`;
    mailApiResponses.push(() => new Response("mailbox unavailable", { status: 422 }));
    await call("POST", "/auth/registration/", { body: { email: fresh, username: fresh.split("@")[0], password1: me.password, password2: me.password } });
    const [dead] = (await env.DB.prepare("select * from mail_outbox where payload like ?").bind(`%${fresh}%`).all<Row>()).results;
    expect(dead).toMatchObject({ status: "failed", last_error: "422: mailbox unavailable" });
    expect(dead!.expires_at).toBe(clock.now() + 3 * 86_400_000);
    expect(JSON.parse(dead!.payload).text).toContain("Confirmation key:");
    await cron(3 * 86_400_000 - 1);
    expect(JSON.parse((await env.DB.prepare("select payload from mail_outbox where id = ?").bind(dead!.id).first<Row>())!.payload).text).toBeDefined();
    await cron(3 * 86_400_000);
    const purged = await env.DB.prepare("select * from mail_outbox where id = ?").bind(dead!.id).first<Row>();
    expect(JSON.parse(purged!.payload)).toEqual({ to: [fresh], subject: "[edge-rest-auth] Please confirm your e-mail address" });
    expect(purged!.status).toBe("failed");
  });
});

describe("overlapping cron runs", () => {
  it("never send one message twice: a row claimed by one run is not claimed by the other", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const people = await Promise.all([1, 2, 3, 4, 5, 6].map(() => registerVerified("overlap")));
    for (const me of people) {
      mailApiResponses.push(() => new Response("down", { status: 500 }));
      await requestReset(me.email);
    }
    // The provider hangs until released: the first run holds its claimed rows while the others run.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const firstDelivery = new Promise<void>((resolve) => (entered = resolve));
    const delivered: string[] = [];
    vi.mocked(globalThis.fetch).mockImplementation(async (input, init) => {
      const request = new Request(input as RequestInfo, init);
      entered();
      await gate;
      delivered.push(request.headers.get("idempotency-key")!);
      return Response.json({ id: crypto.randomUUID() });
    });
    const first = cron(61_000);
    await firstDelivery;
    // Same time, and the last moment of the first run's lease: both find every due row taken.
    const others = await Promise.all([cron(61_000), cron(61_000 + MAIL_LEASE_MS - 1)]);
    expect(others.map((r) => r.mailSent + r.mailRetried + r.mailDead)).toEqual([0, 0]);
    release();
    const reports = [await first, ...others];
    const rows = (await Promise.all(people.map((me) => resetRows(me.email)))).flat();
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => "sent"));
    const keys = rows.map((r) => `outbox-${r.id}-`);
    for (const key of keys) expect(delivered.filter((k) => k.startsWith(key))).toHaveLength(1);
    expect(reports.reduce((n, r) => n + r.mailSent, 0)).toBe(delivered.length);
  });
});

describe("a sender that died mid-delivery", () => {
  it("leaves its row leased; the cron takes it once the lease is over and delivers it once", async () => {
    const me = await registerVerified("outbox");
    // What the request's deferred work leaves when the isolate is gone before the provider answered.
    const payload = { from: "x <x@example.com>", to: [me.email], subject: RESET, text: "link", html: "<p>link</p>" };
    const row = await env.DB.prepare(
      "insert into mail_outbox (payload, status, attempts, next_attempt_at, created_at) values (?, 'pending', 1, ?, ?) returning id",
    )
      .bind(JSON.stringify(payload), clock.now() + MAIL_LEASE_MS, clock.now())
      .first<{ id: number }>();
    await cron(MAIL_LEASE_MS - 1);
    expect(mailTo(me.email).filter((m) => m.subject === RESET)).toEqual([]);
    await cron(MAIL_LEASE_MS);
    await cron(MAIL_LEASE_MS + 3_600_000);
    expect(mailTo(me.email).filter((m) => m.subject === RESET)).toHaveLength(1);
    expect(mailRequests().at(-1)!.headers.get("idempotency-key")).toBe(`outbox-${row!.id}-${clock.now()}`);
  });
});

describe("the outbox write itself failing", () => {
  it("still delivers the mail once, straight to the provider", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await registerVerified("outbox");
    const faulty = faultyBindings({ d1Matching: /^insert into "mail_outbox"/ });
    const response = await call("POST", "/auth/password/reset/", { body: { email: me.email }, bindings: faulty.env });
    expect(response.status).toBe(200);
    expect(faulty.injected).toBe(1);
    expect(mailTo(me.email).filter((m) => m.subject === RESET)).toHaveLength(1);
    expect(await resetRows(me.email)).toEqual([]);
  });
});
