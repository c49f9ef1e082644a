// Lockout (contract §1.10): LOCKOUT_THRESHOLD failed passwords within LOCKOUT_WINDOW lock an account's
// password logins with a doubling wait, alike for unknown accounts; a password reset lifts it; refresh
// tokens and the MFA step still work; event login_locked.
import { describe, expect, it } from "vitest";
import { call, clock, eventsOf, freshIp, loggedIn, mailTo, newIdentity, registerVerified } from "../../../test/helpers";
import { codeStep, enrolled, ticketFor, totpCode } from "../mfa/mfa.fixtures";

// Threshold 3 keeps the tests short; the per-account and per-IP rate budgets are off so only the lockout answers.
const LOCKOUT = { THROTTLE_ENABLED: "true", LOCKOUT_THRESHOLD: "3", THROTTLE_RATES: JSON.stringify({ login: null, login_identifier: null }) };

const login = (body: Record<string, string>, env: Record<string, string> = LOCKOUT) =>
  call("POST", "/auth/login/", { body, env, headers: { "cf-connecting-ip": freshIp() } });

const refusedFor = (seconds: number) => ({ detail: `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? "" : "s"}.` });

async function fail(times: number, body: Record<string, string>, env: Record<string, string> = LOCKOUT) {
  for (let i = 0; i < times; i++) expect((await login({ ...body, password: `wrong ${i}` }, env)).body).toEqual({ non_field_errors: ["Unable to log in with provided credentials."] });
}

describe("lockout", () => {
  it("after the threshold, even the right password gets 429 with Retry-After; the wait doubles with each lock", async () => {
    const me = await registerVerified("lock");
    await fail(3, { username: me.username });
    const first = await login({ username: me.username, password: me.password });
    expect([first.status, first.body, first.headers.get("retry-after")]).toEqual([429, refusedFor(60), "60"]);
    // Typed another way it is the same account, and the wait counts down.
    clock.advance(20);
    const again = await login({ email: me.email.toUpperCase(), password: me.password });
    expect([again.status, again.headers.get("retry-after")]).toEqual([429, "40"]);
    // Once the lock is over, one guess; its failure starts the next, twice as long.
    clock.advance(40);
    await fail(1, { username: me.username });
    const second = await login({ username: me.username, password: me.password });
    expect([second.status, second.headers.get("retry-after")]).toEqual([429, "120"]);
    clock.advance(120);
    await fail(1, { username: me.username });
    expect((await login({ username: me.username, password: me.password })).headers.get("retry-after")).toBe("240");
    clock.advance(240);
    // The right password ends the streak: the next lock needs the threshold again.
    expect((await login({ username: me.username, password: me.password })).status).toBe(200);
    await fail(3, { username: me.username });
    expect((await login({ username: me.username, password: me.password })).headers.get("retry-after")).toBe("60");
  });

  it("records login_locked in the account's history, once per lock", async () => {
    const me = await loggedIn("lockevent");
    await fail(3, { username: me.username });
    await login({ username: me.username, password: me.password });
    await login({ username: me.username, password: me.password });
    const locked = (await eventsOf(me.pk)).filter((event) => event.event === "login_locked");
    expect(locked.map((event) => event.meta)).toEqual([{ lock: 1, seconds: 60 }]);
    const history = await call("GET", "/auth/history/?event=login_locked", { token: me.access });
    expect(history.body.results.map((event: { event: string }) => event.event)).toEqual(["login_locked"]);
  });

  it("answers an unknown account typed the same way exactly as a known one", async () => {
    const me = await registerVerified("lockknown");
    const ghost = newIdentity("lockghost");
    const answers = async (username: string) => {
      const seen = [];
      for (let i = 0; i < 5; i++) {
        const answer = await login({ username, password: `guess ${i}` });
        seen.push([answer.status, answer.body, answer.headers.get("retry-after")]);
      }
      return seen;
    };
    const known = await answers(me.username);
    expect(await answers(ghost.username)).toEqual(known);
    expect(known.map(([status]) => status)).toEqual([400, 400, 400, 429, 429]);
  });

  it("counts parallel guesses exactly: of 12 at once, 3 are checked", async () => {
    const me = await registerVerified("lockburst");
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => login({ username: me.username, password: `guess ${i}` })));
    expect(answers.filter((answer) => answer.status === 400)).toHaveLength(3);
    expect(answers.filter((answer) => answer.status === 429)).toHaveLength(9);
  });

  it("failures older than LOCKOUT_WINDOW no longer count", async () => {
    const me = await registerVerified("lockwindow");
    await fail(2, { username: me.username });
    clock.advance(901);
    await fail(2, { username: me.username });
    expect((await login({ username: me.username, password: me.password })).status).toBe(200);
  });

  it("a successful password reset lifts it", async () => {
    const me = await registerVerified("lockreset");
    await fail(3, { username: me.username });
    expect((await login({ username: me.username, password: me.password })).status).toBe(429);
    expect((await call("POST", "/auth/password/reset/", { body: { email: me.email }, env: LOCKOUT })).status).toBe(200);
    const mail = mailTo(me.email).at(-1)!;
    const uid = /^uid: (\S+)$/m.exec(mail.text)![1]!;
    const token = /^token: (\S+)$/m.exec(mail.text)![1]!;
    const password = "a brand new passphrase 42";
    const reset = await call("POST", "/auth/password/reset/confirm/", { body: { uid, token, new_password1: password, new_password2: password }, env: LOCKOUT });
    expect(reset.status).toBe(200);
    expect((await login({ username: me.username, password })).status).toBe(200);
    // Lifted, not merely paused: the threshold applies afresh.
    await fail(3, { username: me.username });
    expect((await login({ username: me.username, password })).headers.get("retry-after")).toBe("60");
  });

  it("does not block a refresh token or the MFA step of a ticket", async () => {
    const me = await loggedIn("lockrefresh");
    await fail(3, { username: me.username });
    expect((await login({ username: me.username, password: me.password })).status).toBe(429);
    const refreshed = await call("POST", "/auth/token/refresh/", { body: { refresh: me.refresh }, env: LOCKOUT });
    expect(refreshed.status).toBe(200);
    expect((await call("GET", "/auth/user/", { token: refreshed.body.access, env: LOCKOUT })).status).toBe(200);

    const mfa = await enrolled("lockmfa");
    const ticket = await ticketFor(mfa, LOCKOUT);
    await fail(3, { username: mfa.username });
    expect((await login({ username: mfa.username, password: mfa.password })).status).toBe(429);
    expect((await codeStep(ticket, await totpCode(mfa.secret, 1), { env: LOCKOUT })).status).toBe(200);
  });

  it("is off with THROTTLE_ENABLED=false or LOCKOUT_THRESHOLD=0", async () => {
    const me = await registerVerified("lockoff");
    await fail(5, { username: me.username }, {});
    expect((await login({ username: me.username, password: me.password }, {})).status).toBe(200);
    const noLockout = { ...LOCKOUT, LOCKOUT_THRESHOLD: "0" };
    await fail(5, { username: me.username }, noLockout);
    expect((await login({ username: me.username, password: me.password }, noLockout)).status).toBe(200);
  });

  it("defaults: 10 failed passwords in 900 s", async () => {
    const me = await registerVerified("lockdefault");
    const defaults = { THROTTLE_ENABLED: "true", THROTTLE_RATES: JSON.stringify({ login: null, login_identifier: null }) };
    await fail(10, { username: me.username }, defaults);
    expect((await login({ username: me.username, password: me.password }, defaults)).status).toBe(429);
  });
});
