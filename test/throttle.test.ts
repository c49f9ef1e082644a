// Scoped rate limits (contract §1.10) with THROTTLE_ENABLED=true: limits, 429 shape, Retry-After, windows, overrides.
import { describe, expect, it, vi } from "vitest";
import { call, clock, freshIp, loggedIn, newIdentity, registerVerified } from "./helpers";

const ON = { THROTTLE_ENABLED: "true" };
const withRates = (rates: Record<string, string | null>) => ({ ...ON, THROTTLE_RATES: JSON.stringify(rates) });

const nowSeconds = () => Math.floor(clock.now() / 1000);
/** Seconds left in the current fixed window of `period` seconds. */
const leftInWindow = (period: number) => period - (nowSeconds() % period);
/** Moves the fake clock to the first second of the next window. */
const startNextWindow = (period: number) => clock.advance(leftInWindow(period));

function login(ip: string, username = newIdentity("thr").username, overrides: Record<string, string> = ON) {
  return call("POST", "/auth/login/", { body: { username, password: "wrong password" }, env: overrides, headers: { "cf-connecting-ip": ip } });
}

const throttledBody = (seconds: number) => ({
  detail: `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? "" : "s"}.`,
});

describe("login throttle per IP (10/min)", () => {
  it("answers the 11th request of a minute with 429, DRF's message and Retry-After", async () => {
    startNextWindow(60);
    clock.advance(17);
    const ip = freshIp();
    for (let i = 0; i < 10; i++) expect((await login(ip)).status).toBe(400);
    const refused = await login(ip);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(throttledBody(43));
    expect(refused.headers.get("retry-after")).toBe("43");
    expect(refused.headers.get("content-type")).toBe("application/json; charset=utf-8");
  });

  it("says '1 second.' (singular) in the last second of the window", async () => {
    startNextWindow(60);
    clock.advance(59);
    const ip = freshIp();
    for (let i = 0; i < 10; i++) await login(ip);
    const refused = await login(ip);
    expect(refused.body).toEqual({ detail: "Request was throttled. Expected available in 1 second." });
    expect(refused.headers.get("retry-after")).toBe("1");
  });

  it("refuses even correct credentials once exhausted", async () => {
    const me = await registerVerified("thr");
    const ip = freshIp();
    for (let i = 0; i < 10; i++) await login(ip);
    const refused = await call("POST", "/auth/login/", {
      body: { username: me.username, password: me.password },
      env: ON,
      headers: { "cf-connecting-ip": ip },
    });
    expect(refused.status).toBe(429);
  });

  it("resets in the next window", async () => {
    const ip = freshIp();
    for (let i = 0; i < 10; i++) await login(ip);
    expect((await login(ip)).status).toBe(429);
    startNextWindow(60);
    expect((await login(ip)).status).toBe(400);
  });

  it("counts different IPs (CF-Connecting-IP) separately", async () => {
    const first = freshIp();
    const second = freshIp();
    for (let i = 0; i < 10; i++) await login(first);
    expect((await login(first)).status).toBe(429);
    expect((await login(second)).status).toBe(400);
  });

  it("is off when THROTTLE_ENABLED=false (the test default)", async () => {
    const ip = freshIp();
    for (let i = 0; i < 12; i++) expect((await login(ip, undefined, {})).status).toBe(400);
  });
});

describe("login throttle per identifier (5/min)", () => {
  it("refuses the 6th attempt on one account from any IP, case-insensitively", async () => {
    startNextWindow(60);
    const target = newIdentity("thr").username;
    for (let i = 0; i < 5; i++) expect((await login(freshIp(), target)).status).toBe(400);
    const refused = await login(freshIp(), target.toUpperCase());
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(throttledBody(60));
    // Other identifiers from a fresh IP are unaffected.
    expect((await login(freshIp())).status).toBe(400);
  });

  it("keys e-mail logins by the address", async () => {
    const email = newIdentity("thr").email;
    const byEmail = (ip: string) =>
      call("POST", "/auth/login/", { body: { email, password: "nope" }, env: ON, headers: { "cf-connecting-ip": ip } });
    for (let i = 0; i < 5; i++) expect((await byEmail(freshIp())).status).toBe(400);
    expect((await byEmail(freshIp())).status).toBe(429);
  });
});

describe("resend_email throttle (1 per 3 min per address)", () => {
  const resend = (email: string) =>
    call("POST", "/auth/registration/resend-email/", { body: { email }, env: ON, headers: { "cf-connecting-ip": freshIp() } });

  it("allows one request per address per 3-minute window", async () => {
    startNextWindow(180);
    clock.advance(30);
    const email = newIdentity("thr").email;
    expect((await resend(email)).body).toEqual({ detail: "ok" });
    const refused = await resend(email.toUpperCase());
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(throttledBody(150));
    expect(refused.headers.get("retry-after")).toBe("150");
    expect((await resend(newIdentity("thr").email)).status).toBe(200);
    clock.advance(150);
    expect((await resend(email)).status).toBe(200);
  });
});

describe("other scopes", () => {
  it("user: 120/min per authenticated user across IPs, by the USER_RATE_LIMITER binding", async () => {
    // The binding's windows follow the wall clock, not the injected one: a burst that straddles a
    // minute boundary may see two windows, so it is repeated (with a new user) when that happened.
    for (let round = 0; ; round++) {
      const me = await loggedIn("thr");
      const minute = Math.floor(Date.now() / 60_000);
      const answers = await Promise.all(
        Array.from({ length: 130 }, () => call("GET", "/auth/user/", { token: me.access, env: ON, headers: { "cf-connecting-ip": freshIp() } })),
      );
      if (Math.floor(Date.now() / 60_000) !== minute && round < 2) continue;
      expect(answers.filter((answer) => answer.status === 200)).toHaveLength(120);
      const refused = answers.filter((answer) => answer.status === 429);
      expect(refused).toHaveLength(10);
      // Retry-After: the seconds left in the (clock-aligned) minute, at most 60.
      const retryAfter = Number(refused[0]!.headers.get("retry-after"));
      expect(retryAfter).toBe(60 - (Math.floor(clock.now() / 1000) % 60));
      const other = await loggedIn("thr");
      expect((await call("GET", "/auth/user/", { token: other.access, env: ON })).status).toBe(200);
      return;
    }
  });

  it("refresh: per IP", async () => {
    const me = await loggedIn("thr");
    const ip = freshIp();
    const rates = withRates({ refresh: "1/min" });
    startNextWindow(60);
    const first = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, env: rates, headers: { "cf-connecting-ip": ip } });
    expect(first.status).toBe(200);
    const second = await call("POST", "/auth/token/refresh/", { body: { refresh: first.body.refresh }, env: rates, headers: { "cf-connecting-ip": ip } });
    expect(second.status).toBe(429);
    // A throttled refresh did not consume the token.
    const elsewhere = await call("POST", "/auth/token/refresh/", { body: { refresh: first.body.refresh }, env: rates, headers: { "cf-connecting-ip": freshIp() } });
    expect(elsewhere.status).toBe(200);
  });

  it("password_reset: per IP with DRF's generic message, before the per-address limit", async () => {
    const ip = freshIp();
    const rates = withRates({ password_reset: "2/min" });
    startNextWindow(60);
    const reset = () => call("POST", "/auth/password/reset/", { body: { email: newIdentity("thr").email }, env: rates, headers: { "cf-connecting-ip": ip } });
    expect((await reset()).status).toBe(200);
    expect((await reset()).status).toBe(200);
    const refused = await reset();
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual(throttledBody(60));
  });

  it("register: 5/min per IP by default", async () => {
    const ip = freshIp();
    startNextWindow(60);
    const register = () => {
      const me = newIdentity("thr");
      return call("POST", "/auth/registration/", {
        body: { username: me.username, email: me.email, password1: me.password, password2: me.password },
        env: ON,
        headers: { "cf-connecting-ip": ip },
      });
    };
    for (let i = 0; i < 5; i++) expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(429);
  });
});

describe("what spends a budget (malformed input does not; a password check or a mail does)", () => {
  it("registration: form errors spend nothing; an account, or a taken name or address, spends the budget", async () => {
    const ip = freshIp();
    const rates = withRates({ register: "2/min" });
    startNextWindow(60);
    const register = (body: Record<string, unknown>) => call("POST", "/auth/registration/", { body, env: rates, headers: { "cf-connecting-ip": ip } });
    const me = newIdentity("thrform");
    // Five rounds of fixing the form: missing fields, a bad address, weak and mismatched passwords.
    for (const body of [
      {},
      { username: me.username, email: "not-an-address", password1: me.password, password2: me.password },
      { username: me.username, email: me.email, password1: "123", password2: "123" },
      { username: me.username, email: me.email, password1: me.password, password2: "other" },
      { username: "bad name!", email: me.email, password1: me.password, password2: me.password },
    ]) {
      expect((await register(body)).status).toBe(400);
    }
    expect((await register({ username: me.username, email: me.email, password1: me.password, password2: me.password })).status).toBe(201);
    // A taken address is an answer an enumeration is after: it spends the second and last one.
    const other = newIdentity("thrform");
    const taken = await register({ username: other.username, email: me.email, password1: other.password, password2: other.password });
    expect(taken.body).toEqual({ email: ["User is already registered with this e-mail address."] });
    const third = newIdentity("thrform");
    expect((await register({ username: third.username, email: third.email, password1: third.password, password2: third.password })).status).toBe(429);
    // Once it is spent every sign-up answers 429, whatever it carries: a taken address with a broken
    // field and a free one get the same answer, so an exhausted budget is no oracle.
    const takenBroken = await register({ email: me.email });
    const freeBroken = await register({ email: newIdentity("thrform").email });
    expect([takenBroken.status, freeBroken.status]).toEqual([429, 429]);
    expect(takenBroken.body).toEqual(freeBroken.body);
    expect((await register({ email: "nope" })).status).toBe(429);
    // The next window starts afresh.
    startNextWindow(60);
    expect((await register({ email: "nope" })).status).toBe(400);
  });

  it("login: a malformed body spends nothing; every well-formed attempt does, known account or not", async () => {
    const ip = freshIp();
    const rates = withRates({ login: "2/min" });
    startNextWindow(60);
    const send = (body: Record<string, unknown>) => call("POST", "/auth/login/", { body, env: rates, headers: { "cf-connecting-ip": ip } });
    for (let i = 0; i < 5; i++) expect((await send({ username: "someone" })).status).toBe(400);
    const me = await registerVerified("thrlogin");
    expect((await send({ username: "nobody-at-all", password: "x" })).status).toBe(400);
    expect((await send({ username: me.username, password: me.password })).status).toBe(200);
    expect((await send({ username: me.username, password: me.password })).status).toBe(429);
  });

  it("email/change/: a wrong password spends the password budget, not the mail budget; the right retry goes through", async () => {
    const me = await loggedIn("thrmail");
    startNextWindow(180);
    const target = newIdentity("thrmail").email;
    const change = (password: string) => call("POST", "/auth/email/change/", { body: { email: target, password }, token: me.access, env: ON });
    const wrong = await change("wrong password");
    expect(wrong.body).toEqual({ password: ["Incorrect password."] });
    const right = await change(me.password);
    expect(right.status).toBe(200);
    expect(right.body).toEqual({ detail: "Verification e-mail sent." });
    // A mail went out: the next one to that address waits (1 per 3 min).
    expect((await change(me.password)).status).toBe(429);
    // Wrong passwords are bounded by the account's password budget (login_identifier, 5/min).
    const guesses = await loggedIn("thrguess");
    startNextWindow(180);
    const guess = () => call("POST", "/auth/email/change/", { body: { email: newIdentity("g").email, password: "guess" }, token: guesses.access, env: ON });
    for (let i = 0; i < 5; i++) expect((await guess()).status).toBe(400);
    expect((await guess()).status).toBe(429);
  });
});

describe("THROTTLE_RATES", () => {
  it("overrides one scope with a JSON object; the others keep their defaults", async () => {
    const rates = withRates({ login: "2/min" });
    const ip = freshIp();
    startNextWindow(60);
    expect((await login(ip, undefined, rates)).status).toBe(400);
    expect((await login(ip, undefined, rates)).status).toBe(400);
    expect((await login(ip, undefined, rates)).status).toBe(429);
    // login_identifier still at its default of 5/min.
    const target = newIdentity("thr").username;
    for (let i = 0; i < 5; i++) await login(freshIp(), target, rates);
    expect((await login(freshIp(), target, rates)).status).toBe(429);
  });

  it("accepts multi-unit periods like 1/2min and longer units", async () => {
    const rates = withRates({ login: "1/2min" });
    const ip = freshIp();
    startNextWindow(120);
    expect((await login(ip, undefined, rates)).status).toBe(400);
    const refused = await login(ip, undefined, rates);
    expect(refused.body).toEqual(throttledBody(120));
    const hourly = withRates({ login: "1/hour" });
    startNextWindow(3600);
    const other = freshIp();
    await login(other, undefined, hourly);
    expect((await login(other, undefined, hourly)).headers.get("retry-after")).toBe("3600");
  });

  it("null leaves a scope unthrottled", async () => {
    const rates = withRates({ login: null });
    const ip = freshIp();
    for (let i = 0; i < 12; i++) expect((await login(ip, undefined, rates)).status).toBe(400);
  });

  it("an invalid value is a configuration error naming the setting", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    for (const [value, message] of [
      ['{"login": "lots"}', 'THROTTLE_RATES: "lots" is not a rate like "10/min"'],
      ['{"bogus": "1/min"}', 'THROTTLE_RATES: unknown scope "bogus"'],
      ["[1]", "THROTTLE_RATES: must be a JSON object of scope -> rate"],
    ] as const) {
      const response = await login(freshIp(), undefined, { ...ON, THROTTLE_RATES: value });
      expect(response.status).toBe(500);
      expect(response.body.detail).toContain(message);
    }
  });
});
