// No enumeration by timing (issue 8): login for an unknown user and for a known one with a wrong
// password, password reset for unknown and known addresses, and sign-up with a taken or a free address
// under REGISTRATION_PREVENT_ENUMERATION do the same work before answering. Asserted structurally (the
// same D1 round trips, PBKDF2 iterations, HMACs and outbound requests before the response, the rest
// after it), then by the medians of 30 interleaved requests each at the production work factor.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import type { Bindings } from "../src/config";
import { app, countingEnv, mailTo, newIdentity, registerVerified } from "./helpers";

/** Production's work factor: PBKDF2 is then most of a login, as it is in production. */
const TIMED = { PBKDF2_ITERATIONS: "100000" };
const PEPPERED = { ...TIMED, PASSWORD_PEPPERS: "3:c2VjcmV0LXBlcHBlci1mb3ItdGVzdHMtMDEyMzQ1Njc4OWFiY2RlZg==" };
const NO_ENUMERATION = { ...TIMED, REGISTRATION_PREVENT_ENUMERATION: "true" };
const SAMPLES = 30;
/** A margin for 2 × (3 + 30) requests at 100,000 iterations on a shared machine, not a wait. */
const TIMED_TEST_TIMEOUT = 180_000;

/** What one request did before its response: D1 round trips, PBKDF2 derivations (iterations), HMACs, outbound fetches. */
interface Work {
  trips: string[];
  iterations: number[];
  hmacs: number;
  outbound: number;
}

let derive: MockInstance;
let sign: MockInstance;

beforeEach(() => {
  derive = vi.spyOn(crypto.subtle, "deriveBits");
  sign = vi.spyOn(crypto.subtle, "sign");
});

afterEach(() => {
  derive.mockRestore();
  sign.mockRestore();
});


interface Sent {
  status: number;
  ms: number;
  /** Before the response. */
  before: Work;
  /** After it (what was deferred). */
  after: Work;
}

/** POSTs `body` to `path`; records the work done before the response and after it. */
async function post(target: { env: Bindings; trips: string[] }, path: string, body: unknown): Promise<Sent> {
  const mark = () => ({ trips: target.trips.length, derive: derive.mock.calls.length, sign: sign.mock.calls.length, fetch: vi.mocked(fetch).mock.calls.length });
  const since = (from: ReturnType<typeof mark>): Work => ({
    trips: target.trips.slice(from.trips),
    iterations: derive.mock.calls.slice(from.derive).map((call) => (call[0] as { iterations: number }).iterations),
    hmacs: sign.mock.calls.length - from.sign,
    outbound: vi.mocked(fetch).mock.calls.length - from.fetch,
  });
  const start = mark();
  const ctx = createExecutionContext();
  const request = new Request(`https://api.example.test${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const started = performance.now();
  const response = await app.fetch(request, target.env, ctx);
  // Deferred work waits for a macrotask after the response, so this sees only what came before it.
  const ms = performance.now() - started;
  const before = since(start);
  const afterStart = mark();
  await response.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return { status: response.status, ms, before, after: since(afterStart) };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[(sorted.length - 1) >> 1]! + sorted[sorted.length >> 1]!) / 2;
};

/**
 * Runs `known` and `unknown` alternately, SAMPLES times each, after a warm-up, and checks their medians.
 * Generous, since the machine is shared: the two medians within a factor of 2 of each other, or within
 * 10 ms. What this catches is a path skipping the password hash (at 100,000 iterations tens of ms, well
 * past both bounds) or waiting for a mail or a write the other does not make.
 */
async function compareMedians(label: string, known: () => Promise<Sent>, unknown: () => Promise<Sent>) {
  for (let i = 0; i < 3; i++) await Promise.all([known(), unknown()].map((p) => p.then(() => undefined)));
  const times = { known: [] as number[], unknown: [] as number[] };
  for (let i = 0; i < SAMPLES; i++) {
    const [first, second] = i % 2 === 0 ? (["known", "unknown"] as const) : (["unknown", "known"] as const);
    times[first].push((await (first === "known" ? known() : unknown())).ms);
    times[second].push((await (second === "known" ? known() : unknown())).ms);
  }
  const medians = { known: median(times.known), unknown: median(times.unknown) };
  console.log(`${label}: median known ${medians.known.toFixed(1)} ms, unknown ${medians.unknown.toFixed(1)} ms over ${SAMPLES} each`);
  const ratio = medians.known / medians.unknown;
  expect(ratio >= 0.5 && ratio <= 2 || Math.abs(medians.known - medians.unknown) <= 10, `${label}: ${JSON.stringify(medians)}`).toBe(true);
  return medians;
}

describe("login: unknown user vs known user with a wrong password", () => {
  for (const [label, overrides, hmacs] of [
    ["no pepper", TIMED, 0],
    ["with PASSWORD_PEPPERS", PEPPERED, 1],
  ] as const) {
    it(`the same lookups, one PBKDF2 at our count and ${hmacs} HMAC each before the answer; the event after it (${label})`, async () => {
      const me = await registerVerified("timing", overrides);
      const target = countingEnv(overrides);
      // A name, and an address typed in the username box (both lookups run, found or not).
      for (const [known, unknown] of [
        [{ username: me.username }, { username: `nobody${crypto.randomUUID().slice(0, 8)}` }],
        [{ username: me.email }, { username: `nobody${crypto.randomUUID().slice(0, 8)}@example.com` }],
        [{ email: me.email }, { email: `nobody${crypto.randomUUID().slice(0, 8)}@example.com` }],
      ]) {
        const failed = await post(target, "/auth/login/", { ...known, password: "not the password" });
        const missing = await post(target, "/auth/login/", { ...unknown, password: "not the password" });
        expect([failed.status, missing.status]).toEqual([400, 400]);
        expect(failed.before.trips.length).toBeGreaterThan(0);
        expect(failed.before).toEqual(missing.before);
        expect(failed.before.iterations).toEqual([100_000]);
        expect(failed.before.hmacs).toBe(hmacs);
        expect(failed.before.outbound).toBe(0);
        // The known account's login_failed row is written, after the answer.
        expect(failed.after.trips).toEqual([expect.stringMatching(/^insert into "events"/)]);
        expect(missing.after.trips).toEqual([]);
      }
    });
  }

  it(`answers in the same time: medians of ${SAMPLES} each`, async () => {
    const me = await registerVerified("timing", TIMED);
    const target = countingEnv(TIMED);
    await compareMedians(
      "login",
      () => post(target, "/auth/login/", { username: me.username, password: "not the password" }),
      () => post(target, "/auth/login/", { username: `nobody${crypto.randomUUID().slice(0, 8)}`, password: "not the password" }),
    );
  }, TIMED_TEST_TIMEOUT);
});

/** What one mail costs D1 after the answer (sorted): its outbox row, then the attempt's outcome. */
const MAIL_TRIPS = [/^insert into "mail_outbox"/, /^update "mail_outbox"/];

describe("password reset: unknown vs known address", () => {
  it("the same lookup and HMAC before the answer; the mail and the event only after it", async () => {
    const me = await registerVerified("timing", TIMED);
    const target = countingEnv(TIMED);
    const known = await post(target, "/auth/password/reset/", { email: me.email });
    const unknown = await post(target, "/auth/password/reset/", { email: `nobody${crypto.randomUUID().slice(0, 8)}@example.com` });
    expect([known.status, unknown.status]).toEqual([200, 200]);
    expect(known.before).toEqual(unknown.before);
    expect(known.before).toMatchObject({ trips: [expect.stringMatching(/from "users"/)], iterations: [], hmacs: 1, outbound: 0 });
    // After the answer: the event row and the mail (its outbox row, the mail API, the row's outcome).
    expect(known.after.outbound).toBe(1);
    expect(known.after.trips.slice().sort()).toEqual([/^insert into "events"/, ...MAIL_TRIPS].map((sql) => expect.stringMatching(sql)));
    expect(mailTo(me.email).at(-1)?.subject).toMatch(/reset/i);
    expect(unknown.after).toEqual({ trips: [], iterations: [], hmacs: 0, outbound: 0 });
  });

  it(`answers in the same time: medians of ${SAMPLES} each`, async () => {
    const me = await registerVerified("timing", TIMED);
    const target = countingEnv(TIMED);
    await compareMedians(
      "password reset",
      () => post(target, "/auth/password/reset/", { email: me.email }),
      () => post(target, "/auth/password/reset/", { email: `nobody${crypto.randomUUID().slice(0, 8)}@example.com` }),
    );
  }, TIMED_TEST_TIMEOUT);
});

describe("sign-up under REGISTRATION_PREVENT_ENUMERATION: taken vs free address", () => {
  const signUp = (target: { env: Bindings; trips: string[] }, email?: string) => {
    const identity = newIdentity("timing");
    return post(target, "/auth/registration/", { username: identity.username, email: email ?? identity.email, password1: identity.password, password2: identity.password });
  };

  it("the same lookups, one hash, one write batch of two and one HMAC before the answer; mail and event after it", async () => {
    const owner = await registerVerified("timing", NO_ENUMERATION);
    const target = countingEnv(NO_ENUMERATION);
    const taken = await signUp(target, owner.email);
    const free = await signUp(target);
    expect([taken.status, free.status]).toEqual([201, 201]);
    expect(taken.before).toEqual(free.before);
    expect(taken.before.trips.at(-1)).toBe("batch of 2");
    expect(taken.before).toMatchObject({ iterations: [100_000], hmacs: 1, outbound: 0 });
    // The owner's "account exists" mail and the new account's confirmation both leave after the answer.
    expect(taken.after.outbound).toBe(1);
    expect(free.after.outbound).toBe(1);
    expect(free.after.trips.slice().sort()).toEqual([/^insert into "events"/, ...MAIL_TRIPS].map((sql) => expect.stringMatching(sql)));
    expect(taken.after.trips.slice().sort()).toEqual(MAIL_TRIPS.map((sql) => expect.stringMatching(sql)));
    // Nothing of the owner's changed.
    const row = await env.DB.prepare("select count(*) as n from users where lower(email) = lower(?)").bind(owner.email).first<{ n: number }>();
    expect(row?.n).toBe(1);
  });

  it(`answers in the same time: medians of ${SAMPLES} each`, async () => {
    const owner = await registerVerified("timing", NO_ENUMERATION);
    const target = countingEnv(NO_ENUMERATION);
    await compareMedians(
      "sign-up",
      () => signUp(target, owner.email),
      () => signUp(target),
    );
  }, TIMED_TEST_TIMEOUT);
});
