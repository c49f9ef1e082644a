// Exact limits under concurrency (contract §1.10): 3N parallel requests, exactly N get through, for
// per-client keys (IPv4 address, IPv6 /64) and per-account or per-address keys; Retry-After to the window's end.
import { describe, expect, it } from "vitest";
import { call, type CallResult, clock, freshIp, mailTo, newIdentity, registerVerified, userRow } from "./helpers";

const ON = { THROTTLE_ENABLED: "true" };
const withRates = (rates: Record<string, string | null>) => ({ ...ON, THROTTLE_RATES: JSON.stringify(rates) });

const statuses = (answers: CallResult[]) => answers.map((answer) => answer.status).sort();
const count = (answers: CallResult[], status: number) => answers.filter((answer) => answer.status === status).length;
const burst = (n: number, request: (i: number) => Promise<CallResult>) => Promise.all(Array.from({ length: n }, (_, i) => request(i)));

/** Moves the fake clock to the first second of the next window of `period` seconds. */
function startNextWindow(period: number) {
  const nowSeconds = Math.floor(clock.now() / 1000);
  clock.advance(period - (nowSeconds % period));
}

const login = (body: Record<string, string>, ip = freshIp(), env: Record<string, string> = ON) =>
  call("POST", "/auth/login/", { body, env, headers: { "cf-connecting-ip": ip } });

describe("per-client scopes admit exactly N of 3N parallel requests", () => {
  it("login: 10 of 30 from one IP (each for another unknown identifier)", async () => {
    startNextWindow(60);
    const ip = freshIp();
    const answers = await burst(30, () => login({ username: newIdentity("burst").username, password: "guess" }, ip));
    expect(count(answers, 400)).toBe(10);
    expect(count(answers, 429)).toBe(20);
  });

  it("register: 5 of 15 from one IP, and exactly 5 accounts exist", async () => {
    startNextWindow(60);
    const ip = freshIp();
    const people = Array.from({ length: 15 }, () => newIdentity("burstreg"));
    const answers = await burst(15, (i) =>
      call("POST", "/auth/registration/", {
        body: { username: people[i]!.username, email: people[i]!.email, password1: people[i]!.password, password2: people[i]!.password },
        env: ON,
        headers: { "cf-connecting-ip": ip },
      }),
    );
    expect(statuses(answers)).toEqual([...Array(5).fill(201), ...Array(10).fill(429)]);
    const rows = await Promise.all(people.map((person) => userRow(person.email)));
    expect(rows.filter(Boolean)).toHaveLength(5);
  });

  it("refresh: 4 of 12 from one IP (refresh 4/min), and the refused tokens still work", async () => {
    const me = await registerVerified("burstref");
    const sessions = await burst(12, () => login({ username: me.username, password: me.password }, freshIp(), {}));
    const tokens = sessions.map((session) => session.body.refresh as string);
    const rates = withRates({ refresh: "4/min" });
    startNextWindow(60);
    const ip = freshIp();
    const answers = await burst(12, (i) => call("POST", "/auth/token/refresh/", { body: { refresh: tokens[i] }, env: rates, headers: { "cf-connecting-ip": ip } }));
    expect(statuses(answers)).toEqual([...Array(4).fill(200), ...Array(8).fill(429)]);
    const refused = tokens.filter((_, i) => answers[i]!.status === 429);
    expect((await call("POST", "/auth/token/refresh/", { body: { refresh: refused[0] }, env: rates })).status).toBe(200);
  });

  it("confirm: 3 of 9 verify-email from one IP (confirm 3/min)", async () => {
    const rates = withRates({ confirm: "3/min" });
    startNextWindow(60);
    const ip = freshIp();
    const answers = await burst(9, () => call("POST", "/auth/registration/verify-email/", { body: { key: "no-such-key" }, env: rates, headers: { "cf-connecting-ip": ip } }));
    expect(count(answers, 429)).toBe(6);
    expect(answers.filter((answer) => answer.status !== 429).every((answer) => answer.status === 404 || answer.status === 400)).toBe(true);
  });

  it("password_reset: 20 of 60 from one IP (each for another address)", async () => {
    startNextWindow(60);
    const ip = freshIp();
    const answers = await burst(60, () => call("POST", "/auth/password/reset/", { body: { email: newIdentity("burstpr").email }, env: ON, headers: { "cf-connecting-ip": ip } }));
    expect(count(answers, 200)).toBe(20);
    expect(count(answers, 429)).toBe(40);
  });

  it("mfa: 2 of 6 from one IP (mfa 2/min)", async () => {
    const rates = withRates({ mfa: "2/min" });
    startNextWindow(60);
    const ip = freshIp();
    const answers = await burst(6, () => call("POST", "/auth/mfa/authenticate/", { body: { ephemeral_token: "x".repeat(43), code: "123456" }, env: rates, headers: { "cf-connecting-ip": ip } }));
    expect(count(answers, 429)).toBe(4);
  });
});

describe("IPv6 clients are one client per /64", () => {
  it("addresses of one /64 share a budget; another /64 has its own", async () => {
    startNextWindow(60);
    const prefix = `2001:db8:${crypto.getRandomValues(new Uint16Array(1))[0]!.toString(16)}:7`;
    const hosts = Array.from({ length: 15 }, (_, i) => `${prefix}:${(i + 1).toString(16)}::${i + 2}`);
    const rates = withRates({ login: "5/min" });
    const answers = await burst(15, (i) => login({ username: newIdentity("v6").username, password: "x" }, hosts[i]!, rates));
    expect(count(answers, 400)).toBe(5);
    expect(count(answers, 429)).toBe(10);
    // The same /64 written out in full, upper case: still the same client.
    const fullForm = `${prefix.toUpperCase().split(":").map((group) => group.padStart(4, "0")).join(":")}:0000:0000:0000:0001`;
    expect((await login({ username: newIdentity("v6").username, password: "x" }, fullForm, rates)).status).toBe(429);
    const neighbour = `${prefix.slice(0, prefix.lastIndexOf(":"))}:8::1`;
    expect((await login({ username: newIdentity("v6").username, password: "x" }, neighbour, rates)).status).toBe(400);
  });

  it("an IPv4-mapped IPv6 address is its IPv4 client", async () => {
    const rates = withRates({ login: "1/min" });
    startNextWindow(60);
    const ip = freshIp();
    expect((await login({ username: newIdentity("v4m").username, password: "x" }, ip, rates)).status).toBe(400);
    expect((await login({ username: newIdentity("v4m").username, password: "x" }, `::ffff:${ip}`, rates)).status).toBe(429);
  });
});

describe("per-account and per-address scopes", () => {
  it("login: 5 of 15 parallel logins with the right password get in, each from its own IP", async () => {
    const me = await registerVerified("burstacct");
    startNextWindow(60);
    const answers = await burst(15, () => login({ username: me.username, password: me.password }));
    expect(statuses(answers)).toEqual([...Array(5).fill(200), ...Array(10).fill(429)]);
  });

  it("one account, one budget: its username and its address in any case count together", async () => {
    const me = await registerVerified("burstboth");
    startNextWindow(60);
    const typed: Array<Record<string, string>> = [
      { username: me.username },
      { username: me.username.toUpperCase() },
      { email: me.email },
      { email: me.email.toUpperCase() },
      { username: me.email },
      { username: ` ${me.email.toUpperCase()}` },
    ];
    const answers = await burst(18, (i) => login({ ...typed[i % typed.length]!, password: "wrong" }));
    expect(count(answers, 400)).toBe(5);
    expect(count(answers, 429)).toBe(13);
  });

  it("an unknown identifier is keyed by its normalized form: answers are those of an account", async () => {
    startNextWindow(60);
    const ghost = newIdentity("ghost").email;
    const typed = [ghost, ghost.toUpperCase(), `  ${ghost}`];
    const answers = await burst(15, (i) => login({ email: typed[i % 3]!, password: "wrong" }));
    expect(count(answers, 400)).toBe(5);
    expect(count(answers, 429)).toBe(10);
  });

  it("password_reset: 5 of 30 parallel requests for one address (any case) send a mail; exactly 5 mails", async () => {
    const me = await registerVerified("burstmail");
    startNextWindow(3600);
    const answers = await burst(30, (i) =>
      call("POST", "/auth/password/reset/", { body: { email: i % 2 ? me.email : me.email.toUpperCase() }, env: ON, headers: { "cf-connecting-ip": freshIp() } }),
    );
    expect(count(answers, 200)).toBe(5);
    expect(count(answers, 429)).toBe(25);
    expect(answers.find((answer) => answer.status === 429)!.body).toEqual({ detail: "Too many password reset requests for this e-mail address." });
    expect(mailTo(me.email).filter((mail) => mail.subject.includes("Password reset"))).toHaveLength(5);
  });

  it("resend_email: 1 of 3 parallel requests for one address", async () => {
    startNextWindow(180);
    const email = newIdentity("burstresend").email;
    const answers = await burst(3, () => call("POST", "/auth/registration/resend-email/", { body: { email }, env: ON, headers: { "cf-connecting-ip": freshIp() } }));
    expect(statuses(answers)).toEqual([200, 429, 429]);
  });
});

describe("Retry-After is the time to the window's end", () => {
  it("counts down within the window and admits again once the clock crosses it", async () => {
    const me = await registerVerified("retry");
    startNextWindow(60);
    clock.advance(48);
    await burst(5, () => login({ username: me.username, password: "wrong" }));
    const refused = await login({ username: me.username, password: me.password });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("12");
    expect(refused.body).toEqual({ detail: "Request was throttled. Expected available in 12 seconds." });
    clock.advance(11);
    expect((await login({ username: me.username, password: me.password })).headers.get("retry-after")).toBe("1");
    clock.advance(1);
    expect((await login({ username: me.username, password: me.password })).status).toBe(200);
  });
});
