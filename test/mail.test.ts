// Mail delivery: Resend-shaped payload, answers independent of the mail API, D1 outbox with cron retries, console transport.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { drizzle } from "drizzle-orm/d1";
import { describe, expect, it, vi } from "vitest";
import { getConfig } from "../src/config";
import * as schema from "../src/db/schema";
import worker from "../src/index";
import { MAIL_MAX_AGE_MS, mailBackoffMs } from "../src/core/mail";
import { runMaintenance } from "../src/core/maintenance";
import { app, call, clock, envWith, MAIL_API_URL, mailApiResponses, mailTo, newIdentity, registerVerified } from "./helpers";

const SENT = { detail: "Password reset e-mail has been sent." };

interface OutboxRow {
  id: number;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** Outbox rows addressed to `address` with that subject (default: the reset mail; null: any). */
async function outboxRowsFor(address: string, subject: string | null = "[edge-rest-auth] Password reset"): Promise<OutboxRow[]> {
  const { results } = await env.DB.prepare("select * from mail_outbox where payload like ? order by id").bind(`%${address}%`).all<OutboxRow>();
  return results.filter((row) => subject === null || JSON.parse(row.payload).subject === subject);
}

/** The cron job with the fake clock, `offsetSeconds` from now. */
function maintenanceAt(offsetSeconds: number) {
  return runMaintenance({ config: getConfig(envWith()), db: drizzle(env.DB, { schema }), now: () => clock.now() + offsetSeconds * 1000 });
}

const requestReset = (email: string, overrides?: Record<string, string>) => call("POST", "/auth/password/reset/", { body: { email }, env: overrides });

/** Outbound requests the Worker made to the mail API during this test. */
function mailRequests(): Request[] {
  return vi.mocked(globalThis.fetch).mock.calls.map(([input, init]) => new Request(input as RequestInfo, init));
}

describe("mail payload", () => {
  it("is posted to MAIL_API_URL as Resend JSON (from, to[], subject, text, html) with the Bearer key", async () => {
    const me = await registerVerified("mail");
    const before = mailRequests().length;
    expect((await requestReset(me.email)).body).toEqual(SENT);
    const [request] = mailRequests().slice(before);
    expect(request!.url).toBe(MAIL_API_URL);
    expect(request!.method).toBe("POST");
    expect(request!.headers.get("authorization")).toBe("Bearer re_test_key");
    expect(request!.headers.get("content-type")).toBe("application/json");
    const payload = (await request!.json()) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual(["from", "html", "subject", "text", "to"]);
    expect(payload).toMatchObject({ from: "edge-rest-auth <no-reply@example.com>", to: [me.email], subject: "[edge-rest-auth] Password reset" });
    expect(payload.text).toContain("/auth/password/reset/confirm/");
    expect(payload.html).toMatch(/^<!doctype html>/);
  });

  it("carries reply_to and the configured sender when set", async () => {
    const me = await registerVerified("mail");
    await requestReset(me.email, { MAIL_FROM: "Support <help@example.org>", MAIL_REPLY_TO: "replies@example.org" });
    const [mail] = mailTo(me.email).filter((m) => m.subject === "[edge-rest-auth] Password reset");
    expect(mail).toMatchObject({ from: "Support <help@example.org>", reply_to: "replies@example.org" });
  });
});

describe("answers never depend on the mail API", () => {
  it("registration is still 201 and reset still 200 when the mail API fails or throws", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const failures: Array<() => Response> = [
      () => new Response("boom", { status: 500 }),
      () => {
        throw new TypeError("network connection lost");
      },
      () => new Response("bad address", { status: 422 }),
    ];
    for (const failure of failures) {
      const me = newIdentity("mail");
      mailApiResponses.push(failure);
      const registered = await call("POST", "/auth/registration/", {
        body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
      });
      expect(registered.status).toBe(201);
      expect(registered.body).toEqual({ detail: "Verification e-mail sent." });
    }
    const me = await registerVerified("mail");
    for (const failure of failures) {
      mailApiResponses.push(failure);
      const reset = await requestReset(me.email);
      expect(reset.status).toBe(200);
      expect(reset.body).toEqual(SENT);
    }
  });

  it("the response is produced before the mail API has answered (waitUntil)", async () => {
    const me = await registerVerified("mail");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    vi.mocked(globalThis.fetch).mockImplementationOnce(async () => {
      await gate;
      return Response.json({ id: "late" });
    });
    const ctx = createExecutionContext();
    const request = new Request("https://api.example.test/auth/password/reset/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: me.email }),
    });
    const response = await app.fetch(request, envWith(), ctx);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(SENT);
    release();
    await waitOnExecutionContext(ctx);
  });
});

describe("mail outbox", () => {
  it.each([
    ["a 500", () => new Response("upstream down", { status: 500 }), /^500: upstream down/],
    ["a 429", () => new Response("slow down", { status: 429 }), /^429: slow down/],
    [
      "a network error",
      () => {
        throw new TypeError("connection reset");
      },
      /^network: .*connection reset/,
    ],
  ])("keeps a pending row after %s and the cron job delivers it and purges its body", async (_label, failure, reason) => {
    const me = await registerVerified("mail");
    mailApiResponses.push(failure);
    await requestReset(me.email);
    const [row] = await outboxRowsFor(me.email);
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(row!.last_error).toMatch(reason);
    expect(row!.next_attempt_at).toBe(clock.now() + 60_000);
    expect(JSON.parse(row!.payload)).toMatchObject({ to: [me.email], subject: "[edge-rest-auth] Password reset" });
    expect(mailTo(me.email).filter((m) => m.subject === "[edge-rest-auth] Password reset")).toEqual([]);

    // Not due yet: backoff of one minute.
    await maintenanceAt(30);
    expect(await outboxRowsFor(me.email)).toHaveLength(1);

    const report = await maintenanceAt(61);
    expect(report.mailSent).toBeGreaterThanOrEqual(1);
    const [sent] = await outboxRowsFor(me.email);
    expect(sent).toMatchObject({ status: "sent", attempts: 2, last_error: null });
    // The link is gone from D1 once delivered; who and what stay for the operator.
    expect(JSON.parse(sent!.payload)).toEqual({ to: [me.email], subject: "[edge-rest-auth] Password reset" });
    const [delivered] = mailTo(me.email).filter((m) => m.subject === "[edge-rest-auth] Password reset");
    expect(delivered!.text).toContain("/auth/password/reset/confirm/");
  });

  it("the Worker's scheduled handler retries due rows", async () => {
    const me = await registerVerified("mail");
    mailApiResponses.push(() => new Response("down", { status: 503 }));
    await requestReset(me.email);
    const [row] = await outboxRowsFor(me.email);
    // The cron handler runs on the real clock; make the row due now.
    await env.DB.prepare("update mail_outbox set next_attempt_at = 0 where id = ?").bind(row!.id).run();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ cron: "*/5 * * * *" }), env as never, ctx);
    await waitOnExecutionContext(ctx);
    expect((await outboxRowsFor(me.email)).map((r) => r.status)).toEqual(["sent"]);
    expect(mailTo(me.email).map((m) => m.subject)).toContain("[edge-rest-auth] Password reset");
    expect(log).toHaveBeenCalledWith("maintenance", expect.objectContaining({ mailSent: expect.any(Number) }));
  });

  it("backs off exponentially (at most an hour) while the API keeps failing and marks it dead with the last reason after MAIL_MAX_AGE", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const me = await registerVerified("mail");
    mailApiResponses.push(() => new Response("down", { status: 500 }));
    await requestReset(me.email);
    let offset = 0;
    let attempts = 1;
    for (;;) {
      const [before] = await outboxRowsFor(me.email);
      if (before!.status !== "pending") break;
      offset = (before!.next_attempt_at - clock.now()) / 1000;
      // Every due row of the file is retried; make them all fail.
      for (let i = 0; i < 20; i++) mailApiResponses.push(() => new Response(`still down ${attempts}`, { status: 502 }));
      await maintenanceAt(offset);
      mailApiResponses.length = 0;
      attempts++;
      const [after] = await outboxRowsFor(me.email);
      expect(after!.attempts).toBe(attempts);
      expect(after!.last_error).toMatch(/^502: still down/);
      if (after!.status === "pending") expect(after!.next_attempt_at - (clock.now() + offset * 1000)).toBe(mailBackoffMs(attempts));
    }
    const [dead] = await outboxRowsFor(me.email);
    expect(dead).toMatchObject({ status: "failed", last_error: `502: still down ${attempts - 1}` });
    // Given up at the first attempt past the maximum age, not before.
    expect(offset * 1000).toBeGreaterThanOrEqual(MAIL_MAX_AGE_MS);
    expect(offset * 1000 - mailBackoffMs(attempts - 1)).toBeLessThan(MAIL_MAX_AGE_MS);
    expect(mailBackoffMs(20)).toBe(3_600_000);
    await maintenanceAt(offset + 3600);
    expect((await outboxRowsFor(me.email))[0]).toMatchObject({ status: "failed", attempts });
  });

  it("stores a 4xx rejection (422) as failed with the provider's reason and never retries it", async () => {
    const me = await registerVerified("mail");
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    mailApiResponses.push(() => Response.json({ message: "Invalid `to` field." }, { status: 422 }));
    expect((await requestReset(me.email)).status).toBe(200);
    const [row] = await outboxRowsFor(me.email);
    expect(row).toMatchObject({ status: "failed", attempts: 1 });
    expect(row!.last_error).toBe('422: {"message":"Invalid `to` field."}');
    expect(error).toHaveBeenCalled();
    await maintenanceAt(3600);
    expect((await outboxRowsFor(me.email))[0]).toMatchObject({ status: "failed", attempts: 1 });
    expect(mailTo(me.email).filter((m) => m.subject === "[edge-rest-auth] Password reset")).toEqual([]);
  });

  it("turns a pending row into failed when the retry gets a 4xx", async () => {
    const me = await registerVerified("mail");
    mailApiResponses.push(() => new Response("down", { status: 500 }));
    await requestReset(me.email);
    for (let i = 0; i < 20; i++) mailApiResponses.push(() => new Response("gone", { status: 400 }));
    await maintenanceAt(61);
    mailApiResponses.length = 0;
    expect((await outboxRowsFor(me.email))[0]).toMatchObject({ status: "failed", attempts: 2, last_error: "400: gone" });
  });

  it("records a delivered mail as sent, without its body, at the first attempt", async () => {
    const me = await registerVerified("mail");
    await requestReset(me.email);
    const rows = await outboxRowsFor(me.email, null);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["sent", 1],
      ["sent", 1],
    ]);
    expect(rows.map((r) => JSON.parse(r.payload).text)).toEqual([undefined, undefined]);
  });
});

describe("console transport", () => {
  it("logs the mail instead of calling the API when MAIL_API_KEY is empty", async () => {
    const me = await registerVerified("mail");
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const before = mailRequests().length;
    const response = await requestReset(me.email, { MAIL_API_KEY: "" });
    expect(response.body).toEqual(SENT);
    expect(mailRequests().length).toBe(before);
    const lines = log.mock.calls.map((args) => args.join(" "));
    const line = lines.find((text) => text.includes(`to=${me.email}`));
    expect(line).toBeDefined();
    expect(line).toContain('subject="[edge-rest-auth] Password reset"');
    expect(line).toContain("/auth/password/reset/confirm/");
    expect(await outboxRowsFor(me.email)).toEqual([]);
  });
});
